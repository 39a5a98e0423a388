/*
 * forms.js: the portal's one small forms script (no framework, no CDN, ES2017).
 *
 * FORMS. In a Markdown page (md_in_html / raw HTML):
 *   <form class="ws-form" data-endpoint="/api/..." novalidate> ... </form>
 *   - each input's name is the API field name; dots nest ("family.0.name" -> {family:[{name}]});
 *   - data-type="int" sends an integer; a checkbox sends true/false; an empty optional field is
 *     left out; the honeypot "website" is always sent as typed (snippet honeypot.html);
 *   - checks from HTML attributes: required, maxlength, minlength, pattern, type=email,
 *     min/max (with data-type="int" or type=number), inputmode=decimal (yuan, two decimals);
 *     type=tel is a mobile number (with data-landline: or a landline with its area code) (what is wrong is said: digits, length, prefix, a landline);
 *     data-hint="..." overrides the pattern message;
 *   - wrap each control in <div class="ws-field"> so its error shows right under it;
 *   - consent: --8<-- "consent.html" (checkbox consent + hidden consent_version).
 *   The script POSTs JSON with Content-Type: application/json and Idempotency-Key: <uuid>.
 *   One key per fill: made when the form is bound, kept for retries (network failure, 429,
 *   5xx), renewed after a success and after a 400/422 (the data must change anyway).
 *   2xx JSON {reference} -> the code is shown large with a copy button.
 *   data-result="status" -> the 2xx JSON {reference, kind_label, status, status_label,
 *   updated_at, message} is shown instead (time in Asia/Shanghai); a 404 -> "not found".
 *   Errors are RFC 9457 problem+json: title/detail at the top, errors[].message under the
 *   input whose name equals errors[].field (aria-invalid, aria-describedby, focus first).
 *   data-result="fields" -> the 2xx JSON {reference, label, fields:{name: value}, anonymised, records}
 *   (a person's own data, then every other record held about them) is listed with Chinese field names; data-result="done" shows the
 *   form's data-done text. For any data-result a 404 -> "not found".
 *   Optional data-status-url="../status/" adds a link to the lookup page after a success.
 *
 * LISTS. <div class="ws-list" data-endpoint="/api/..." data-kind="openings|fairs|cases">
 *   static fallback text </div>
 *   An item's `text` is shown as paragraphs; its `photos` (paths under /api/ on this site only)
 *   as images.
 *   Optional data-link="register/?session={id}" data-link-text="报名" adds a link per item.
 *
 * ENDPOINTS of forms and lists may hold {name}: it is replaced by the page URL's query
 *   parameter of that name (URL-encoded; empty when absent), e.g. ?session=... or ?county=....
 *   On a 2xx {items:[...], next_cursor} the fallback is replaced by the items (textContent
 *   only); "加载更多" fetches ?cursor=<next_cursor>. On any failure the fallback stays.
 *
 * EVERY FORM in a page, public or staff, whatever script sends it, gets the same checks on submit
 *   (all mistakes at once), a draft kept for the tab, counters for capped text and growing text
 *   boxes: see "every form" below. window.wsForms.check(form) and .validate(control) are the checks.
 *
 * REGISTER PAGES. An element with data-if-query="session" shows only when the address has
 *   ?session=..., one with data-unless-query="session" only when it has not. A list with
 *   data-single shows one record (a 2xx JSON object). A registration's answer (session_id, status,
 *   waitlist_position, session_title, starts_at, place) is shown as a confirmed seat or a place on
 *   the waitlist, with the session it is for.
 *
 * SEARCH. Material's search runs on key releases only; pasted, dictated or composed (IME) text
 *   is passed on to it as one.
 *
 * Bound through Material's document$ (instant navigation), else DOMContentLoaded; each
 * element is bound once (data-ws-bound). window.wsForms.bind() binds forms added later.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 20000;
  var MSG = {
    required: "请填写此项",
    requiredCheck: "请勾选此项",
    requiredChoice: "请选择一项",
    maxlength: "最多填写 {n} 个字",
    minlength: "至少填写 {n} 个字",
    pattern: "格式不正确",
    tel: "请填写正确的电话号码",
    mobileDigits: "手机号码只能填数字",
    mobileLength: "手机号码是 11 位数字，现在填了 {n} 位",
    mobileStart: "手机号码以 1 开头，共 11 位",
    mobilePrefix: "没有这个号段的手机号码（手机号码以 13 至 19 开头），请核对",
    landline: "这是固定电话号码，网上填写需要手机号码",
    landlineHint: "只有固定电话的，请拨打 12351，请接线员代为登记。",
    landlineArea: "固定电话号码要连区号一起填写，如 0538-6221234",
    landlineForm: "固定电话请连区号填写，如 0538-6221234",
    landlineDigits: "电话号码只能填数字和连字符，如 0538-6221234",
    landlineLength: "不是有效的固定电话号码：应为区号（3 至 4 位，以 0 开头）加 7 至 8 位号码，如 0538-6221234，现在共 {n} 位",
    money: "金额请填写元，最多两位小数",
    date: "请填写完整的日期和时间",
    email: "请填写正确的邮箱地址",
    int: "请填写整数",
    min: "不能小于 {n}",
    max: "不能大于 {n}",
    check: "有 {n} 项需要修改，请看标红的地方",
    sending: "正在提交…",
    network: "网络连接失败，没有提交成功。您填写的内容还在，请检查网络后再点一次提交。",
    tooMany: "提交太频繁，请稍后再试",
    server: "服务暂时不可用，请稍后再试，或拨打 12351。",
    notFound: "未找到该编号，或手机号不匹配",
    failed: "提交没有成功",
    errorNumber: "错误编号：{n}（打 12351 反映问题时请告诉接线员）",
    done: "提交成功",
    confirmed: "报名成功，名额已确认",
    waitlisted: "名额已满，您在候补名单第 {n} 位",
    waitlistedNoPlace: "名额已满，您已进入候补名单",
    waitlistHint: "有人取消时按报名先后自动递补。递补与否请在“查看或取消我的报名”里凭编号查询，或打 12351 询问。",
    session: { session_title: "报名场次", starts_at: "开始时间", place: "地点", online_url: "线上链接" },
    yourRef: "您的编号",
    keepRef: "请记下或截图保存这个编号，查询办理进度时要用，也可以打 12351 把编号告诉接线员。",
    copy: "复制编号",
    copied: "已复制",
    copyFailed: "复制没有成功，请手动记下编号",
    again: "再填一份",
    statusLink: "查询办理进度",
    status: { reference: "编号", kind_label: "事项", status_label: "办理状态", updated_at: "更新时间", message: "说明" },
    requiredSome: "请至少选择一项",
    counter: "{n} / {max} 字",
    counterOver: "超出 {n} 字（最多 {max} 字），请删减",
    restored: "已恢复您在本页填写但还没有提交成功的内容。",
    more: "加载更多",
    empty: "目前没有信息，请稍后再来看看。"
  };

  function fmt(text, n) { return text.replace("{n}", String(n)); }

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    return node;
  }

  // "2020-02-20T06:05:00Z" -> "2020年2月20日 14:05" (Asia/Shanghai is UTC+8, no DST).
  function shanghai(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return String(iso);
    var d = new Date(t + 8 * 3600 * 1000);
    var mm = ("0" + d.getUTCMinutes()).slice(-2);
    return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " +
      d.getUTCHours() + ":" + mm;
  }

  /* ---------------------------------------------------------------- forms */

  function controls(form) {
    return Array.prototype.filter.call(form.elements, function (c) {
      return c.name && !c.disabled && ["submit", "button", "reset", "file", "fieldset"].indexOf(c.type) < 0;
    });
  }

  function setPath(obj, path, value) {
    var keys = path.split(".");
    var cur = obj;
    for (var i = 0; i < keys.length - 1; i++) {
      var k = /^\d+$/.test(keys[i]) ? Number(keys[i]) : keys[i];
      if (cur[k] == null) cur[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
      cur = cur[k];
    }
    var last = keys[keys.length - 1];
    cur[/^\d+$/.test(last) ? Number(last) : last] = value;
  }

  function collect(form) {
    var data = {};
    controls(form).forEach(function (c) {
      var v;
      if (c.type === "checkbox") v = c.checked;
      else if (c.type === "radio") { if (!c.checked) return; v = c.value; }
      else if (c.name === "website") v = c.value;
      else {
        v = c.value.trim();
        if (v === "") return;
        if (c.dataset.type === "int") v = parseInt(v, 10);
      }
      setPath(data, c.name, v);
    });
    return data;
  }

  // A mobile number as typed (full-width digits, spaces, dashes, +86 allowed) -> what is wrong, or "".
  // Mirrors the API's core/personal.py normalize_phone.
  function phoneDigits(v) {
    return v.replace(/[\uFF10-\uFF19]/g, function (x) { return String.fromCharCode(x.charCodeAt(0) - 0xFEE0); })
      .replace(/[\s\-()（）－]/g, "").replace(/^(?:\+|00)?86(?=\d{11}$)/, "");
  }
  function mobileProblem(v, hint) {
    var d = phoneDigits(v);
    if (/\D/.test(d)) return MSG.mobileDigits;
    var then = hint ? "。" + MSG.landlineHint : "";
    if (/^0/.test(d)) return MSG.landline + then;
    if (d.length !== 11) return fmt(MSG.mobileLength, d.length) + then;
    if (!/^1/.test(d)) return MSG.mobileStart + then;
    if (!/^1[3-9]/.test(d)) return MSG.mobilePrefix + then;
    return "";
  }

  // A phone a caller can be rung back on (data-landline: the hotline intake, the status lookup): a
  // mobile number, or a landline with its area code. Mirrors core/personal.py normalize_call_phone.
  function callProblem(v) {
    var d = phoneDigits(v);
    if (!/^0/.test(d)) {
      if (/^\d{7,8}$/.test(d)) return MSG.landlineArea;
      var wrong = mobileProblem(v, false);
      return wrong ? wrong + "。" + MSG.landlineForm : "";
    }
    if (/\D/.test(d)) return MSG.landlineDigits;
    return /^0[1-9]\d{9,10}$/.test(d) ? "" : fmt(MSG.landlineLength, d.length);
  }

  // The one client check of a control, for public and staff forms alike: "" when it is fine.
  function validate(c) {
    if (c.type === "hidden" || c.name === "website" || c.disabled) return "";
    if (c.closest("[hidden]")) return "";  // a part of the form not shown is not asked
    if (c.type === "checkbox") {
      var set = c.closest("fieldset[data-required]");
      if (set) {
        var some = Array.prototype.some.call(set.querySelectorAll('input[type="checkbox"]'),
          function (x) { return x.checked && !x.disabled; });
        return some ? "" : MSG.requiredSome;
      }
      return c.required && !c.checked ? MSG.requiredCheck : "";
    }
    if (c.type === "radio") {
      var group = c.form.querySelectorAll('input[type="radio"][name="' + c.name + '"]');
      var any = Array.prototype.some.call(group, function (r) { return r.checked; });
      var req = Array.prototype.some.call(group, function (r) { return r.required; });
      return req && !any ? MSG.requiredChoice : "";
    }
    // A date or time the browser could not read has an empty value but a bad-input flag.
    if (c.validity && c.validity.badInput) return c.type === "number" ? MSG.int : MSG.date;
    var v = c.type === "password" ? c.value : c.value.trim();
    if (v === "") return c.required ? (c.tagName === "SELECT" ? MSG.requiredChoice : MSG.required) : "";
    var max = parseInt(c.getAttribute("maxlength") || c.getAttribute("data-maxlength"), 10);
    if (max >= 0 && v.length > max) return fmt(MSG.maxlength, max);
    var min = parseInt(c.getAttribute("minlength"), 10);
    if (min > 0 && v.length < min) return fmt(MSG.minlength, min);
    if (c.type === "tel" && c.hasAttribute("data-landline")) {
      var call = callProblem(v);
      if (call) return call;
    } else if (c.type === "tel") {
      // A hotline operator typing a caller's number needs no advice to call the hotline.
      var wrong = mobileProblem(v, !c.hasAttribute("data-operator"));
      if (wrong) return wrong;
    } else {
      var pattern = c.getAttribute("pattern");
      if (pattern) {
        var ok = false;
        try { ok = new RegExp("^(?:" + pattern + ")$").test(v); } catch (e) { ok = true; }
        if (!ok) return c.dataset.hint || (c.type === "tel" ? MSG.tel : MSG.pattern);
      } else if (c.type === "tel" && !/^[0-9+\-\s]{3,20}$/.test(v)) return MSG.tel;
    }
    if (c.type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return MSG.email;
    if (c.inputMode === "decimal" && !/^\d+(?:\.\d{1,2})?$/.test(v)) return MSG.money;
    if (c.dataset.type === "int" || (c.type === "number" && !c.getAttribute("step"))) {
      if (!/^-?\d+$/.test(v)) return MSG.int;
      var n = parseInt(v, 10);
      if (c.hasAttribute("min") && n < Number(c.getAttribute("min"))) return fmt(MSG.min, c.getAttribute("min"));
      if (c.hasAttribute("max") && n > Number(c.getAttribute("max"))) return fmt(MSG.max, c.getAttribute("max"));
    }
    return "";
  }

  function errorId(form, name) {
    return (form.id || form.dataset.wsId) + "-err-" + name.replace(/[^\w-]/g, "_");
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".ws-error"), function (n) { n.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (c) {
      c.removeAttribute("aria-invalid");
      var ids = (c.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id.indexOf("-err-") < 0;
      });
      if (ids.length) c.setAttribute("aria-describedby", ids.join(" "));
      else c.removeAttribute("aria-describedby");
    });
    var box = form.querySelector(".ws-form__message");
    if (box) { box.hidden = true; box.textContent = ""; box.className = "ws-form__message"; }
  }

  // Put a message under the field called `name`; returns the control, or null if none matches.
  function fieldError(form, name, message) {
    var c = form.querySelector('[name="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
    if (!c || c.type === "hidden") return null;
    var id = errorId(form, name);
    var msg = document.getElementById(id);
    if (!msg) {
      msg = el("p", "ws-error");
      msg.id = id;
      var anchor = c.closest(".ws-field, .ws-check, fieldset") || c;
      if (c.type === "radio" || c.closest(".ws-check")) anchor = c.closest("fieldset, .ws-field") || anchor;
      anchor.appendChild(msg);
      msg.textContent = message;
    } else {
      msg.textContent += "；" + message;
    }
    var targets = c.type === "radio" ? form.querySelectorAll('[name="' + c.name + '"]') : [c];
    Array.prototype.forEach.call(targets, function (t) {
      t.setAttribute("aria-invalid", "true");
      var ids = (t.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (ids.indexOf(id) < 0) ids.push(id);
      t.setAttribute("aria-describedby", ids.join(" "));
    });
    return c;
  }

  function messageBox(form) {
    var box = form.querySelector(".ws-form__message");
    if (!box) {
      box = el("div", "ws-form__message");
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      box.hidden = true;
      form.insertBefore(box, form.firstChild);
    }
    return box;
  }

  function message(form, kind, title, lines) {
    var box = messageBox(form);
    box.className = "ws-form__message ws-form__message--" + kind;
    box.textContent = "";
    if (title) box.appendChild(el("p", "ws-form__title", title));
    (lines || []).forEach(function (line) { if (line) box.appendChild(el("p", null, line)); });
    box.hidden = false;
    return box;
  }

  function setBusy(form, busy) {
    var btn = form.querySelector('[type="submit"]');
    form.setAttribute("aria-busy", busy ? "true" : "false");
    if (!btn) return;
    if (!btn.dataset.label) btn.dataset.label = btn.textContent;
    btn.disabled = busy;
    btn.textContent = busy ? MSG.sending : btn.dataset.label;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var ta = el("textarea", "ws-offscreen");
    ta.value = text;
    ta.setAttribute("readonly", "");
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    if (!ok) throw new Error("copy");
  }

  // What a registration came to: a confirmed seat or a place on the waitlist, and for which session.
  function registrationTitle(body) {
    if (body.status === "confirmed") return MSG.confirmed;
    if (body.status === "waitlisted") {
      return body.waitlist_position ? fmt(MSG.waitlisted, body.waitlist_position) : MSG.waitlistedNoPlace;
    }
    return body.status_label ? String(body.status_label) : MSG.done;
  }

  function showReference(form, body) {
    var reference = String(body.reference || "");
    var panel = el("section", "ws-result" + (body.status === "waitlisted" ? " ws-result--wait" : ""));
    panel.setAttribute("role", "status");
    var h = el("h2", "ws-result__title", body.session_id ? registrationTitle(body) : MSG.done);
    h.tabIndex = -1;
    panel.appendChild(h);
    if (body.session_id) {
      var facts = el("dl", "ws-status");
      Object.keys(MSG.session).forEach(function (key) {
        if (body[key] == null || body[key] === "") return;
        facts.appendChild(el("dt", null, MSG.session[key]));
        facts.appendChild(el("dd", null, /_at$/.test(key) ? shanghai(body[key]) : body[key]));
      });
      panel.appendChild(facts);
      if (body.status === "waitlisted") panel.appendChild(el("p", "ws-result__hint", MSG.waitlistHint));
    }
    panel.appendChild(el("p", "ws-result__label", MSG.yourRef));
    panel.appendChild(el("p", "ws-ref", reference));
    var copy = el("button", "md-button md-button--primary ws-copy", MSG.copy);
    copy.type = "button";
    var note = el("p", "ws-copy__note");
    note.setAttribute("aria-live", "polite");
    copy.addEventListener("click", function () {
      copyText(reference).then(function () { note.textContent = MSG.copied; },
        function () { note.textContent = MSG.copyFailed; });
    });
    panel.appendChild(copy);
    panel.appendChild(note);
    panel.appendChild(el("p", "ws-result__hint", MSG.keepRef));
    if (form.dataset.statusUrl) {
      var link = el("a", "ws-result__link", MSG.statusLink);
      link.href = form.dataset.statusUrl;
      panel.appendChild(link);
    }
    var again = el("button", "md-button ws-again", MSG.again);
    again.type = "button";
    again.addEventListener("click", function () {
      panel.remove();
      form.hidden = false;
      var first = controls(form).find(function (c) { return c.type !== "hidden" && c.name !== "website"; });
      if (first) first.focus();
    });
    panel.appendChild(again);
    form.reset();
    form.hidden = true;
    form.parentNode.insertBefore(panel, form.nextSibling);
    h.focus();
  }

  function showStatus(form, body) {
    var old = form.parentNode.querySelector(".ws-result");
    if (old) old.remove();
    var panel = el("section", "ws-result");
    panel.setAttribute("role", "status");
    var h = el("h2", "ws-result__title", body.status_label || body.status || "");
    h.tabIndex = -1;
    panel.appendChild(h);
    var dl = el("dl", "ws-status");
    ["reference", "kind_label", "status_label", "updated_at", "message"].forEach(function (key) {
      var v = key === "status_label" ? (body.status_label || body.status) : body[key];
      if (v == null || v === "") return;
      dl.appendChild(el("dt", null, MSG.status[key]));
      dl.appendChild(el("dd", key === "reference" ? "ws-ref ws-ref--small" : null,
        key === "updated_at" ? shanghai(v) : v));
    });
    panel.appendChild(dl);
    form.parentNode.insertBefore(panel, form.nextSibling);
    h.focus();
  }

  var FIELD_LABELS = {
    name: "姓名", phone: "手机号码", relation: "与本人关系", contact_time: "方便联系的时间",
    description: "填写的内容", address: "地址", dietary_notes: "饮食说明", needs: "需求", age: "年龄",
    id_masked: "身份证号（部分隐去）", department: "科室", delivery_window: "配送时间",
    note: "备注", notes: "联系记录内容", text: "办理记录内容", reason: "原因", contact_name: "联系人",
    contact_phone: "联系人手机号码", hardship: "困难情况", situation: "走访情况", precautions: "防护措施",
    contact: "联系人", link: "关联档案"
  };

  function fieldList(fields) {
    var dl = el("dl", "ws-status");
    Object.keys(fields).forEach(function (key) {
      dl.appendChild(el("dt", null, FIELD_LABELS[key] || key));
      dl.appendChild(el("dd", null, String(fields[key])));
    });
    return dl;
  }

  function showFields(form, body) {
    var old = form.parentNode.querySelector(".ws-result");
    if (old) old.remove();
    var panel = el("section", "ws-result");
    panel.setAttribute("role", "status");
    var h = el("h2", "ws-result__title", String(body.label || ""));
    h.tabIndex = -1;
    panel.appendChild(h);
    var fields = body.fields || {};
    var keys = Object.keys(fields);
    if (body.anonymised || !keys.length) {
      panel.appendChild(el("p", null, "这条记录已不再保存您的个人信息。"));
    } else {
      panel.appendChild(fieldList(fields));
    }
    // Everything else held about the person (family members, contact logs, sign-ups...), each with
    // what it holds; records that only serve to find the person are named once at the end.
    var others = (body.records || []).slice(1);
    var indexes = [];
    others.forEach(function (record) {
      var held = record.fields || {};
      if (record.anonymised || !Object.keys(held).length) {
        if (indexes.indexOf(record.label) < 0) indexes.push(record.label);
        return;
      }
      panel.appendChild(el("h3", null, String(record.label)));
      panel.appendChild(fieldList(held));
    });
    if (indexes.length) {
      panel.appendChild(el("p", null, "另外保存了：" + indexes.join("、") + "（不含可读的个人信息，删除时一并清除）。"));
    }
    form.parentNode.insertBefore(panel, form.nextSibling);
    h.focus();
  }

  function showDone(form) {
    var old = form.parentNode.querySelector(".ws-result");
    if (old) old.remove();
    var panel = el("section", "ws-result");
    panel.setAttribute("role", "status");
    var h = el("h2", "ws-result__title", form.dataset.done || MSG.done);
    h.tabIndex = -1;
    panel.appendChild(h);
    form.reset();
    form.hidden = true;
    form.parentNode.insertBefore(panel, form.nextSibling);
    h.focus();
  }

  function showProblem(form, status, problem) {
    var unplaced = [];
    var first = null;
    (problem && Array.isArray(problem.errors) ? problem.errors : []).forEach(function (e) {
      if (!e || !e.message) return;
      var c = e.field ? fieldError(form, String(e.field), String(e.message)) : null;
      if (!c) unplaced.push(String(e.message));
      else if (!first) first = c;
    });
    var title = problem && problem.title ? String(problem.title) : MSG.failed;
    var detail = problem && problem.detail ? String(problem.detail) : (status >= 500 ? MSG.server : "");
    // A server-side failure's id, for the hotline (a field error is the person's to fix).
    var number = status >= 500 && problem && problem.request_id ? fmt(MSG.errorNumber, String(problem.request_id)) : "";
    var box = message(form, "error", title, [detail].concat(unplaced, [number]));
    (first || box).focus();
  }

  async function submit(form, state) {
    if (state.sending) return;
    var old = form.parentNode.querySelector(".ws-result");
    if (old && form.dataset.result) old.remove();
    if (!check(form)) return;

    state.sending = true;
    setBusy(form, true);
    var res = null;
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : null;
    try {
      res = await fetch(fromQuery(form.dataset.endpoint), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json, application/problem+json",
          "Idempotency-Key": state.key
        },
        body: JSON.stringify(collect(form)),
        signal: ctrl ? ctrl.signal : undefined
      });
    } catch (e) {
      res = null;
    }
    if (timer) clearTimeout(timer);
    var body = null;
    if (res) {
      try { body = await res.json(); } catch (e) { body = null; }
    }
    state.sending = false;
    setBusy(form, false);

    if (!res) {
      message(form, "error", MSG.network).focus();  // same key on retry
    } else if (res.ok && body) {
      state.key = uuid();
      forgetDraft(form);
      if (form.dataset.result === "status") showStatus(form, body);
      else if (form.dataset.result === "fields") showFields(form, body);
      else if (form.dataset.result === "done") showDone(form);
      else showReference(form, body);
    } else if (res.status === 429) {
      message(form, "error", MSG.tooMany).focus();
    } else if (res.status === 404 && form.dataset.result) {
      message(form, "error", MSG.notFound).focus();
    } else {
      if (res.status === 400 || res.status === 422) state.key = uuid();
      showProblem(form, res.status, body);
    }
  }

  var counter = 0;

  function bindForm(form) {
    if (form.dataset.wsBound) return;
    form.dataset.wsBound = "1";
    form.dataset.wsId = form.id || form.dataset.wsId || "wsf" + (++counter);
    messageBox(form);
    var state = { key: uuid(), sending: false };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form, state);
    });
  }

  /* ---------------------------------------------------------------- every form */
  // One behaviour for every form in a page's content, public and staff alike, whoever sends it:
  // - on submit, every field is checked at once (validate) and all mistakes are shown together;
  //   a form with a mistake is not passed on to the script that sends it;
  // - a field's mistake goes as soon as it is put right;
  // - what is typed is kept for the tab (sessionStorage) until the form succeeds (the sending
  //   script resets the form, or forgetDraft): a failed send or a reload loses nothing. Never kept:
  //   passwords, one-time codes, consent, hidden fields, files, any form holding a password, and a form
  //   without an id, data-endpoint or data-path (one a script builds per record);
  // - a capped text shows a counter instead of the browser's silent cut at maxlength
  //   (the cap moves to data-maxlength, which validate reads);
  // - a textarea grows with its text (CSS field-sizing, or its height here where unsupported).

  var DRAFT = "ws-draft:";
  var FIELDS = "input, select, textarea";

  function isSearch(form) { return !form || form.name === "search" || !!form.closest(".md-search"); }

  // Shows every client-side mistake; true when the form may be sent.
  function check(form) {
    clearErrors(form);
    var first = null;
    var count = 0;
    var seen = {};
    controls(form).forEach(function (c) {
      if (seen[c.name]) return;
      var problem = validate(c);
      if (!problem) return;
      seen[c.name] = true;
      count++;
      fieldError(form, c.name, problem);
      if (!first) first = c;
    });
    if (!first) return true;
    message(form, "error", fmt(MSG.check, count));
    first.focus();
    return false;
  }

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  // A form a script builds for one record of a list has no name of its own: a draft kept for it could
  // come back in the same form built for another record, so it keeps none (a form with an id does).
  function draftName(form) {
    return form.id || form.getAttribute("data-path") || form.getAttribute("data-endpoint") || "";
  }

  function keepsDrafts(form) {
    return !isSearch(form) && !!draftName(form) && !form.hasAttribute("data-no-draft") &&
      !form.querySelector('input[type="password"]');
  }

  function draftable(c) {
    // Consent is given anew with each sending, never carried over.
    return c.name && c.name !== "website" && c.name !== "consent" && !c.closest("[data-no-draft]") &&
      ["password", "hidden", "file", "submit", "button", "reset", "image"].indexOf(c.type) < 0 &&
      c.getAttribute("autocomplete") !== "one-time-code";
  }

  // One draft per form per address (a record's own address keeps its own draft).
  function draftKey(form) {
    return DRAFT + location.pathname + location.search + location.hash + "|" + draftName(form);
  }

  function saveDraft(form) {
    var s = store();
    if (!s || !keepsDrafts(form)) return;
    var data = {};
    var any = false;
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!draftable(c)) return;
      if (c.type === "checkbox") {
        if (!data[c.name]) data[c.name] = [];
        if (c.checked) { data[c.name].push(c.value); any = true; }
      } else if (c.type === "radio") {
        if (c.checked) { data[c.name] = c.value; any = true; }
      } else {
        data[c.name] = c.value;
        if (c.value.trim() && (c.tagName !== "SELECT" || c.selectedIndex > 0)) any = true;
      }
    });
    try {
      if (any) s.setItem(draftKey(form), JSON.stringify(data));
      else s.removeItem(draftKey(form));
    } catch (e) { /* storage full or refused: the form still works */ }
  }

  function forgetDraft(form) {
    var s = store();
    if (s) { try { s.removeItem(draftKey(form)); } catch (e) { /* nothing kept */ } }
  }

  // A select whose options arrive later (filled from the API) takes its value when they do.
  function restoreSelect(c, value) {
    if (Array.prototype.some.call(c.options, function (o) { return o.value === value; })) {
      c.value = value;
      return;
    }
    var watch = new MutationObserver(function () {
      if (c.dataset.wsTouched) { watch.disconnect(); return; }
      if (Array.prototype.some.call(c.options, function (o) { return o.value === value; })) {
        watch.disconnect();
        c.value = value;
        c.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    watch.observe(c, { childList: true, subtree: true });
    setTimeout(function () { watch.disconnect(); }, 30000);
  }

  function restoreDraft(form) {
    var s = store();
    if (!s || !keepsDrafts(form) || form.dataset.wsDraftKey === draftKey(form)) return;
    form.dataset.wsDraftKey = draftKey(form);  // once per address
    var data = null;
    try { data = JSON.parse(s.getItem(draftKey(form)) || "null"); } catch (e) { data = null; }
    if (!data || typeof data !== "object") return;
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!draftable(c) || !Object.prototype.hasOwnProperty.call(data, c.name)) return;
      var v = data[c.name];
      if (c.type === "checkbox") {
        if (Array.isArray(v)) { c.checked = v.indexOf(c.value) >= 0; restored = restored || c.checked; }
      } else if (c.type === "radio") {
        c.checked = c.value === v;
      } else if (typeof v === "string" && v !== "" && !c.dataset.wsTouched &&
                 (c.tagName === "SELECT" || c.value === c.defaultValue)) {
        if (c.tagName === "SELECT") restoreSelect(c, v);
        else c.value = v;
        restored = true;
      }
    });
    if (restored) {
      Array.prototype.forEach.call(form.querySelectorAll("textarea, input"), refresh);
      message(form, "info", MSG.restored);
    }
  }

  function counterOf(c) { return c.id ? document.getElementById(c.id + "-count") : c.nextElementSibling; }

  function refresh(c) {
    if (c.tagName === "TEXTAREA" && !(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"))) {
      c.style.height = "auto";
      c.style.height = c.scrollHeight + 4 + "px";
    }
    var max = parseInt(c.getAttribute("data-maxlength"), 10);
    var note = counterOf(c);
    if (!(max > 0) || !note || !note.classList.contains("ws-counter")) return;
    var n = c.value.length;
    var over = n > max;
    note.textContent = over ? fmt(MSG.counterOver, n - max).replace("{max}", max) : fmt(MSG.counter, n).replace("{max}", max);
    note.classList.toggle("ws-counter--over", over);
    // A one-line field (a name, a number) shows its counter only near its cap.
    note.hidden = note.dataset.quiet === "1" && n < max * 0.8;
  }

  function addCounter(c) {
    var max = parseInt(c.getAttribute("maxlength"), 10);
    if (!(max > 0) || ["text", "search", "url", "email", "tel", "textarea"].indexOf(c.type) < 0) return;
    c.removeAttribute("maxlength");
    c.setAttribute("data-maxlength", String(max));
    if (c.type === "tel") return;  // a phone number's own check says what is wrong with its length
    var note = el("p", "ws-counter");
    if (!c.id) c.id = "wsc" + (++counter);
    note.id = c.id + "-count";
    c.parentNode.insertBefore(note, c.nextSibling);
    // A one-line field's counter shows near the cap only, and is not read out with the field (a
    // hidden description is still read).
    if (c.tagName !== "TEXTAREA") { note.dataset.quiet = "1"; return; }
    var ids = (c.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids.push(note.id);
    c.setAttribute("aria-describedby", ids.join(" "));
  }

  function enhanceForm(form) {
    if (form.dataset.wsEnhanced || isSearch(form)) return;
    form.dataset.wsEnhanced = "1";
    form.dataset.wsId = form.id || form.dataset.wsId || "wsf" + (++counter);  // names its error messages
    form.noValidate = true;  // the browser's bubbles show one mistake at a time; check() shows all
    form.dataset.wsAddress = location.pathname + location.search;
    restoreDraft(form);
  }

  // The forms of a record's detail belong to its address: when the page moves to another record,
  // what was typed for the last one and the message about it go, and the new address's own draft
  // (if any) comes back. Called by the page's router before it draws the address.
  function readdress(root) {
    var here = location.pathname + location.search;
    Array.prototype.forEach.call(root.querySelectorAll('[data-ws-view="detail"] form[data-ws-enhanced]'), function (form) {
      if (form.dataset.wsAddress === here) return;
      form.dataset.wsAddress = here;
      form.dataset.wsMoving = "1";  // a reset that keeps the drafts (each address's own)
      form.reset();
      delete form.dataset.wsMoving;
      Array.prototype.forEach.call(form.elements, function (c) { delete c.dataset.wsTouched; });
      clearErrors(form);
      restoreDraft(form);
      Array.prototype.forEach.call(form.querySelectorAll("textarea, input"), refresh);
    });
  }

  function enhance(root) {
    function all(selector) {
      var found = root.matches(selector) ? [root] : [];
      return found.concat(Array.prototype.slice.call(root.querySelectorAll(selector)));
    }
    all(FIELDS).forEach(function (c) {
      if (c.dataset.wsEnhanced || (c.form && isSearch(c.form))) return;
      c.dataset.wsEnhanced = "1";
      addCounter(c);
      refresh(c);
    });
    all("form").forEach(enhanceForm);
  }

  var watching = false;

  function watchForms() {
    if (watching) return;
    watching = true;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (isSearch(form) || check(form)) return;
      event.preventDefault();
      event.stopImmediatePropagation();  // the page's own sending script never sees a wrong form
    }, true);
    function typed(event) {
      var c = event.target;
      if (!c.form || isSearch(c.form)) return;
      c.dataset.wsTouched = "1";
      refresh(c);
      saveDraft(c.form);
      if (!c.name || !c.hasAttribute("aria-invalid") || validate(c)) return;
      // Put right: its message goes (on input, not change: a change fires on blur, and removing the
      // message then would move the submit button away from a tap in progress).
      var msg = document.getElementById(errorId(c.form, c.name));
      if (msg) msg.remove();
      var targets = c.type === "checkbox" || c.type === "radio" ? c.form.querySelectorAll('[name="' + c.name + '"]') : [c];
      Array.prototype.forEach.call(targets, function (t) { t.removeAttribute("aria-invalid"); });
    }
    document.addEventListener("input", typed, true);
    document.addEventListener("change", typed, true);
    document.addEventListener("reset", function (event) {
      var form = event.target;
      if (isSearch(form) || form.dataset.wsMoving) return;
      forgetDraft(form);
      setTimeout(function () { Array.prototype.forEach.call(form.querySelectorAll("textarea, input"), refresh); }, 0);
    }, true);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        Array.prototype.forEach.call(r.addedNodes, function (n) { if (n.nodeType === 1) enhance(n); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  /* ---------------------------------------------------------------- lists */

  var LABELS = {
    firm_name: "单位", employer: "单位", location: "地点", place: "地点", venue: "地点",
    salary: "待遇", headcount: "招聘人数", starts_at: "开始时间", ends_at: "结束时间",
    seats_left: "剩余名额", capacity: "名额", contact: "联系方式", description: "说明",
    shift_label: "上班方式", valid_until: "截止日期", unit_name: "报送单位", published_at: "公开时间",
    state_label: "报名状态", cancel_reason: "取消原因"
  };

  function fromQuery(template) {
    var query = new URLSearchParams(location.search);
    return template.replace(/\{(\w+)\}/g, function (_, name) { return encodeURIComponent(query.get(name) || ""); });
  }

  function renderItem(item, kind, box) {
    var li = el("li", "ws-list__item ws-list__item--" + kind + (item.cancelled ? " ws-list__item--off" : ""));
    li.appendChild(el("h3", "ws-list__title", (item.cancelled ? "【已取消】" : "") + (item.title || item.name || "")));
    var dl = el("dl", "ws-list__facts");
    Object.keys(LABELS).forEach(function (key) {
      var v = item[key];
      if (v == null || v === "" || typeof v === "object") return;
      dl.appendChild(el("dt", null, LABELS[key]));
      dl.appendChild(el("dd", null, /_at$/.test(key) ? shanghai(v) : v));
    });
    if (dl.childNodes.length) li.appendChild(dl);
    if (typeof item.text === "string") {
      item.text.split(/\n+/).forEach(function (line) {
        if (line.trim()) li.appendChild(el("p", "ws-list__text", line));
      });
    }
    (Array.isArray(item.photos) ? item.photos : []).forEach(function (src, i) {
      if (typeof src !== "string" || !/^\/api\/[\w\/-]+$/.test(src)) return;  // this site's API only
      var img = el("img", "ws-list__photo");
      img.src = src;
      img.alt = (item.title || "") + " 照片" + (i + 1);
      img.loading = "lazy";
      li.appendChild(img);
    });
    if (box && box.dataset.link && item.id && !item.cancelled) {
      var a = el("a", "md-button ws-list__link", box.dataset.linkText || "查看");
      a.href = box.dataset.link.replace("{id}", encodeURIComponent(item.id));
      li.appendChild(a);
    }
    return li;
  }

  async function loadList(box, list, cursor) {
    var url = fromQuery(box.dataset.endpoint);
    if (cursor) url += (url.indexOf("?") < 0 ? "?" : "&") + "cursor=" + encodeURIComponent(cursor);
    var res = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    var body = await res.json();
    if (box.hasAttribute("data-single") && body && typeof body === "object" && !Array.isArray(body)) {
      return { items: [body], next_cursor: null };  // one record, shown like a list's item
    }
    if (!body || !Array.isArray(body.items)) throw new Error("shape");
    return body;
  }

  function bindList(box) {
    if (box.dataset.wsBound || box.closest("[hidden]")) return;
    box.dataset.wsBound = "1";
    var kind = box.dataset.kind || "items";
    var list = el("ul", "ws-list__items");
    var more = el("button", "md-button ws-list__more", MSG.more);
    more.type = "button";
    function show(body, first) {
      if (first) {
        box.textContent = "";
        if (!body.items.length) { box.appendChild(el("p", "ws-list__empty", MSG.empty)); return; }
        box.appendChild(list);
      }
      body.items.forEach(function (item) { if (item) list.appendChild(renderItem(item, kind, box)); });
      more.remove();
      if (body.next_cursor) {
        more.onclick = function () {
          more.disabled = true;
          loadList(box, list, body.next_cursor).then(function (next) { more.disabled = false; show(next, false); },
            function () { more.disabled = false; });
        };
        box.appendChild(more);
      }
    }
    box.setAttribute("aria-busy", "true");
    loadList(box, list, null).then(function (body) { show(body, true); }, function () {
      box.classList.add("ws-list--offline");  // keep the static fallback text
    }).then(function () { box.setAttribute("aria-busy", "false"); });
  }

  /* ---------------------------------------------------------------- bind */

  // <div data-if-query="session"> shows only when the page's address has ?session=...;
  // <div data-unless-query="session"> only when it has not (e.g. a form, or the sessions to choose from).
  function gate() {
    var query = new URLSearchParams(location.search);
    Array.prototype.forEach.call(document.querySelectorAll("[data-if-query], [data-unless-query]"), function (node) {
      var name = node.getAttribute("data-if-query");
      node.hidden = name ? !query.get(name) : !!query.get(node.getAttribute("data-unless-query"));
    });
  }

  // Material's search runs on key presses only: pasted text, voice input and a finished IME
  // composition (pinyin) change the query without one. Each of them is passed on as a key release.
  function searchFollowsEveryInput() {
    function poke(event) {
      var input = event.target;
      if (!input.matches || !input.matches(".md-search__input") || event.isComposing) return;
      input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: false }));
    }
    document.addEventListener("input", poke, true);
    document.addEventListener("compositionend", poke, true);
  }

  function init() {
    gate();
    if (!watching) searchFollowsEveryInput();
    watchForms();
    enhance(document.body);
    // Through instant navigation a page's forms may arrive before its address: look again now.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-ws-enhanced]"), restoreDraft);
    Array.prototype.forEach.call(document.querySelectorAll("form.ws-form"), bindForm);
    Array.prototype.forEach.call(document.querySelectorAll(".ws-list[data-endpoint]"), bindList);
    // Wide tables scroll sideways inside Material's wrapper: let keyboard users reach them too.
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap"), function (wrap) {
      if (!wrap.hasAttribute("tabindex")) wrap.tabIndex = 0;
    });
  }

  // For content added after load (and for tests): window.wsForms.bind() binds what is new.
  // Staff pages use the same checks and message box: window.wsForms.validate(control), .check(form),
  // .messageBox(form).
  window.wsForms = { bind: init, validate: validate, check: check, forgetDraft: forgetDraft, messageBox: messageBox,
    readdress: readdress };

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
