"""Personal data helpers used by every domain: national ID numbers, mobile phones, keyed hashes
for duplicate checks and look-ups, and masking for lists."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from chalicelib.core.config import settings

# What a duplicate check tells a caller about a match outside their subtree: no unit, record or
# reference, only that the city federation (which sees every pair) can check it.
REGISTERED_ELSEWHERE = "已在其他单位登记，请联系市总工会核实"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _halfwidth(value: str) -> str:
    """Full-width digits and letters (１２３Ｘ) as their ASCII forms; spaces dropped."""
    return unicodedata.normalize("NFKC", value).replace(" ", "").strip()


def id_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a national ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    """The canonical 18-character ID number, or ValueError with a Chinese reason."""
    number = _halfwidth(value).upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValueError("应为 18 位身份证号码（最后一位可以是 X）")
    if id_check_character(number[:17]) != number[17]:
        raise ValueError("校验位不正确，请核对身份证号码")
    return number


# What a person with a landline only can do instead (the portal's forms say the same: forms.js).
LANDLINE_HINT = "只有固定电话的，请拨打 12351，请接线员代为登记。"


def _phone_problem(text: str) -> str:
    """Why `text` (half-width, no dashes) is not a mobile number, in words a caller can act on."""
    digits = text.removeprefix("+86") if text.startswith("+86") else text
    if not digits.isdigit():
        return "手机号码只能填数字"
    if digits.startswith("0"):
        return f"这是固定电话号码，网上填写需要手机号码。{LANDLINE_HINT}"
    if len(digits) != 11:
        return f"手机号码是 11 位数字，现在填了 {len(digits)} 位。{LANDLINE_HINT}"
    if not digits.startswith("1"):
        return f"手机号码以 1 开头，共 11 位。{LANDLINE_HINT}"
    return f"没有这个号段的手机号码（手机号码以 13 至 19 开头），请核对。{LANDLINE_HINT}"


def normalize_phone(value: str) -> str:
    """A mainland China mobile number as 11 digits, or ValueError saying what is wrong with it."""
    import phonenumbers  # its metadata loads with the first phone number, not with every cold start

    text = _halfwidth(value).replace("-", "").replace("(", "").replace(")", "")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError(_phone_problem(text)) from None
    if parsed.country_code == 86 and phonenumbers.is_valid_number(parsed) \
            and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise ValueError(f"这是固定电话号码，网上填写需要手机号码。{LANDLINE_HINT}")
    if (parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed)
            or phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)):
        raise ValueError(_phone_problem(str(parsed.national_number) if parsed.country_code == 86 else text))
    return str(parsed.national_number)


LANDLINE_EXAMPLE = "0538-6221234"


def normalize_call_phone(value: str) -> str:
    """A phone a caller can be rung back on, typed in by a hotline operator: a mainland mobile number
    as 11 digits, or a mainland landline with its area code as "0538-6221234". ValueError says what
    is wrong. Only operators take landlines: a landline gets no text message (is_landline)."""
    import phonenumbers

    text = _halfwidth(value).replace("-", "").replace("(", "").replace(")", "")
    if not text.startswith("0"):
        try:
            return normalize_phone(value)
        except ValueError as exc:
            if text.isdigit() and len(text) in (7, 8):
                raise ValueError(f"固定电话号码要连区号一起填写，如 {LANDLINE_EXAMPLE}") from None
            raise ValueError(f"{str(exc).split('。')[0]}。固定电话请连区号填写，如 {LANDLINE_EXAMPLE}") from None
    if not text.isdigit():
        raise ValueError(f"电话号码只能填数字和连字符，如 {LANDLINE_EXAMPLE}")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed) \
            or phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.FIXED_LINE:
        raise ValueError(f"不是有效的固定电话号码：应为区号（3 至 4 位，以 0 开头）加 7 至 8 位号码，"
                         f"如 {LANDLINE_EXAMPLE}，现在共 {len(text)} 位")
    area = phonenumbers.length_of_geographical_area_code(parsed)
    national = str(parsed.national_number)
    return f"0{national[:area]}-{national[area:]}"


def is_landline(phone: str) -> bool:
    """Is this stored phone a landline (normalize_call_phone's form), which cannot receive texts?"""
    return phone.startswith("0")


def keyed_hash(purpose: str, value: str) -> str:
    """A keyed hash for duplicate checks and look-ups: equal inputs match, the value can't be read back."""
    return hmac.new(settings().secret_key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


# What staff see in place of personal data that is no longer held (core/retention.py): erased at
# the person's request, or purged when retention ran out. Masks leave these as they are.
ERASED_BY_REQUEST = "已按本人要求删除"
ERASED_BY_RETENTION = "已过保存期限清除"
ERASED_MARKS = frozenset({ERASED_BY_REQUEST, ERASED_BY_RETENTION})


def mask_phone(phone: str) -> str:
    if phone in ERASED_MARKS:
        return phone
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_id_number(number: str) -> str:
    if number in ERASED_MARKS:
        return number
    return f"{number[:3]}***********{number[-4:]}" if len(number) == 18 else "******"


def mask_name(name: str) -> str:
    if name in ERASED_MARKS:
        return name
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def hmac_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
