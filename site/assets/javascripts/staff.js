/*
 * staff.js: staff sign-in, the workbench and the admin pages (site/staff/). No framework, no CDN,
 * ES2017. Loaded only on staff pages (site/overrides/main.html adds it after the page's own script).
 *
 * A staff page holds <div class="ws-staff" data-ws-staff="signin|workbench|org|partners"
 * data-root="<relative URL of site/staff/>">. Bound through Material's document$ (instant
 * navigation), else DOMContentLoaded; each container is bound once (data-ws-bound).
 *
 * SIGN-IN. The browser talks to Cognito's own API (locally moto's server): GET /api/auth/config
 * gives {region, user_pool_id, client_id, endpoint}; InitiateAuth USER_PASSWORD_AUTH, and for a
 * first sign-in with a temporary password RespondToAuthChallenge NEW_PASSWORD_REQUIRED, and for an
 * account with an authenticator RespondToAuthChallenge SOFTWARE_TOKEN_MFA (the 6-digit code).
 * City administrators and finance staff must have a second factor: while the API answers
 * /problems/mfa-required, the sign-in page enrols one (AssociateSoftwareToken, a QR code drawn
 * here by the vendored qrcode-generator plus the secret as text, VerifySoftwareToken,
 * SetUserMFAPreference), then POST /api/me/mfa has the API check it with Cognito. The secret goes
 * to Cognito and the screen only, never to our API.
 * Tokens live in sessionStorage (one tab, gone when it closes), never in localStorage or URLs.
 * They are refreshed (REFRESH_TOKEN_AUTH) shortly before expiry and after a 401 from the API;
 * a refused refresh goes back to sign-in. Sign-out: GlobalSignOut (its failure is ignored),
 * storage cleared, back to sign-in.
 *
 * API. Every call sends Authorization: Bearer <IdToken>; writes send an Idempotency-Key, one per
 * form fill (kept for retries after network failure, 429 or 5xx; renewed after a success and a
 * 400/422), like forms.js. problem+json errors are shown next to the fields they name.
 * Data is rendered with textContent only.
 *
 * HELPERS. Page scripts use what window.wsStaff exports (el, api, problemText, signInPrompt, fmt,
 * yuan, beijing, download, messageHistory, ...) rather than copies of their own; the Chinese labels of codes come
 * from labels.js (written from the API's core/labels.py), read through wsStaff.labels(table).
 *
 * ADDRESSES. A record opened on a staff page has an address of its own: the page's path with a
 * query (?ref=, ?family=, ?session=, ?firm=, ?opening=, ?report=, ?worker=, ?entry=) after the
 * list's filters. wsStaff.route (follow, go, link, back, view) draws a page from its address on
 * load, on a click and on back/forward; see "addresses" below.
 *
 * WORKBENCH. PAGES below lists the staff pages and the roles that may see each; a new staff page
 * adds one entry there and nothing else.
 */
(function () {
  "use strict";
  // Material's instant navigation runs a staff page's scripts again on every visit; the first run
  // stays bound to document$ and serves the later pages.
  if (window.wsStaff) return;

  var PAGES = [
    { path: "org/", title: "组织与人员", text: "下级工会组织、工作人员账号的开设与停用",
      roles: ["city_admin", "unit_admin", "auditor"] },
    { path: "alerts/", title: "工作提醒设置", text: "新求助和每日逾期汇总发到本单位的企业微信或钉钉群机器人、工作人员手机",
      roles: ["city_admin", "unit_admin"] },
    { path: "partners/", title: "合作应用", text: "省总工会 App、微信公众号等合作应用的调用凭证",
      roles: ["city_admin", "auditor"] },
    { path: "privacy/", title: "个人信息保存期限", text: "填写疫情防控任务结束日期和个人信息保存天数，到期自动清除",
      roles: ["city_admin", "auditor"] },
    { path: "fund/", title: "防控专项资金", text: "设立专项资金、拨付下级、记录支出和冲正、导出报表",
      roles: ["city_admin", "unit_admin", "finance", "auditor"] },
    { path: "dashboard/", title: "工作看板", text: "本单位及下级的专项资金、求助、一线家庭与爱心蔬菜配送、报名的数量和趋势，逐级查看",
      roles: ["city_admin", "unit_admin", "finance", "auditor"] },
    { path: "frontline/", title: "一线医务人员档案", text: "登记和导入一线人员及家属、逐级汇总、指定一对一联系人",
      roles: ["city_admin", "unit_admin", "caseworker", "auditor"] },
    { path: "frontline/family/", title: "一线人员登记和家庭卡", text: "逐一登记一线人员和家属；代家庭提交求助、登记每周爱心蔬菜",
      roles: ["city_admin", "unit_admin", "caseworker", "auditor"] },
    { path: "frontline/cover/", title: "重大疾病和意外伤害保障", text: "为一线医务人员及家属登记参保，导出给保险机构的参保名单",
      roles: ["city_admin", "unit_admin", "caseworker", "auditor"] },
    { path: "hardship/", title: "困难职工帮扶", text: "在档困难职工名册：导入登记、走访记录、赠送口罩和消毒液等防护用品",
      roles: ["city_admin", "unit_admin", "caseworker", "contact_person", "auditor"] },
    { path: "frontline/my-families/", title: "我联系的家庭", text: "记录联系情况和需求，确认爱心蔬菜送达",
      roles: ["contact_person"] },
    { path: "delivery/", title: "爱心蔬菜配送", text: "活动设置、每周配送名单和记账、供应商配送单",
      roles: ["city_admin", "unit_admin", "caseworker", "finance", "auditor"] },
    { path: "recuperation/", title: "疗休养", text: "推荐表现突出的一线医务人员；市总工会按优先顺序审核、开设批次、安排人员",
      roles: ["city_admin", "unit_admin", "caseworker", "auditor"] },
    { path: "reopening/", title: "招聘与场次", text: "审核企业登记和招聘岗位，开设招聘会、培训和返岗直通车，查看报名、登记到场、导出名单",
      roles: ["caseworker", "unit_admin", "city_admin", "auditor"] },
    { path: "support/", title: "求助办理", text: "本单位及下级的求助队列、受理办结、改派、逾期提醒、分类汇总和导出",
      roles: ["caseworker", "unit_admin", "city_admin", "auditor"] },
    { path: "support/counsellors/", title: "心理咨询师库", text: "添加、暂停、移出心理咨询师；在岗的咨询师可被指派心理咨询求助",
      roles: ["city_admin", "unit_admin", "caseworker", "auditor"] },
    { path: "support/hotline/", title: "热线来电登记", text: "12351 来电快速登记，查看来电人以往的求助",
      roles: ["hotline_operator"] },
    { path: "support/counsellor/", title: "我的心理咨询", text: "指派给我的心理咨询求助",
      roles: ["counsellor"] },
    { path: "reports/", title: "先进做法报送", text: "报送本单位的先进做法和典型案例；市总保障部审核、写意见、在门户公开",
      roles: ["unit_admin", "caseworker", "city_admin", "auditor"] }
  ];
  // Who may change things on a page (the others with access only read).
  var WRITERS = { org: ["city_admin", "unit_admin"], alerts: ["city_admin", "unit_admin"], partners: ["city_admin"],
    reopening: ["caseworker", "unit_admin", "city_admin"], recuperation: ["caseworker", "unit_admin", "city_admin"],
    reports: ["caseworker", "unit_admin", "city_admin"], hardship: ["caseworker", "unit_admin", "city_admin"],
    "frontline/cover": ["caseworker", "unit_admin", "city_admin"],
    "frontline/family": ["caseworker", "unit_admin", "city_admin"], "support/counsellors": ["city_admin"],
    privacy: ["city_admin"] };

  var API = "/api";
  var STORE = "ws.staff.session";
  var NEXT = "ws.staff.next";
  var NOTICE = "ws.staff.notice";
  var REFRESH_AHEAD_MS = 5 * 60 * 1000;
  var TIMEOUT_MS = 20000;
  var SIGNOUT_TIMEOUT_MS = 5000;
  var MFA_REQUIRED = "/problems/mfa-required";
  var QR_LIBRARY = "../assets/javascripts/vendor/qrcode-generator.js";  // from site/staff/
  var TOTP_ISSUER = "职工服务平台";


  var MSG = {
    noFamily: "没有可选的一线人员",
    noMessages: "还没有发出短信",
    resend: "重发",
    confirmResend: "确定重发短信「{n}」？会用同一模板向同一号码再发一条，并记入操作日志。",
    resent: "已重发：{n}",
    badLogin: "登录名或密码不正确",
    resetRequired: "这个账号需要重设密码，请联系本单位或上级工会的管理员。",
    tooMany: "尝试次数太多，请稍后再试",
    badNewPassword: "新密码不符合要求：至少 12 位，同时包含大写字母、小写字母、数字和符号",
    mismatch: "两次输入的新密码不一致",
    sameAsOld: "新密码不能与临时密码相同",
    challengeExpired: "设置新密码等待太久，请重新登录。",
    codeExpired: "输入动态码等待太久，请重新登录。",
    badCode: "动态码不正确，请输入验证器上现在显示的 6 位数字",
    mfaSetupFailed: "绑定没有成功，请稍后再试",
    qrFailed: "二维码没有显示出来，请在验证器中选择“输入密钥”，输入下面的密钥。",
    signInFailed: "登录没有成功，请稍后再试",
    signedOut: "您已退出登录。",
    expired: "登录已过期，请重新登录。",
    signingIn: "正在登录…",
    sending: "正在提交…",
    loading: "正在加载…",
    network: "网络连接失败，请检查网络后再试一次。",
    server: "服务暂时不可用，请稍后再试。",
    failed: "操作没有成功",
    errorNumber: "错误编号：{n}（向技术支持反映时请提供）",
    forbidden: "您的账号没有使用这个页面的权限。",
    backToWorkbench: "返回工作台",
    workbench: "工作台",
    signOut: "退出登录",
    myWork: "我的工作",
    noPages: "您的岗位对应的工作页面正在建设中，建成后会出现在这里。",
    more: "加载更多",
    copy: "复制",
    copied: "已复制",
    copyFailed: "复制没有成功，请手动抄下",
    dismiss: "我已妥善记下，关闭",
    readOnly: "您的账号在本页只能查看，不能修改。",
    noStaff: "这个单位还没有工作人员账号。",
    noPartners: "还没有签发过合作应用凭证。",
    active: "在用",
    disabled: "已停用",
    revoked: "已吊销",
    disable: "停用",
    revoke: "吊销",
    confirmDisable: "确定停用 {n}？停用后该账号立即不能登录。",
    confirmRevoke: "确定吊销 {n} 的凭证？吊销后该应用立即不能调用接口。",
    yes: "确定",
    cancel: "取消",
    staffCreated: "账号已开设",
    tempPasswordTitle: "临时密码（只显示这一次）",
    tempPasswordWarn: "离开或刷新本页后无法再次查看。请当面或电话告知本人，不要通过群聊发送；本人首次登录时须改设新密码。",
    partnerIssued: "凭证已签发",
    keyTitle: "调用凭证（只显示这一次）",
    keyWarn: "本平台不保存凭证原文，离开或刷新本页后无法再次查看。请立即通过安全渠道交给合作方技术负责人；如有泄露，请吊销后重新签发。",
    unitCreated: "已新建组织：{n}",
    username: "登录名",
    roles: "角色",
    status: "状态",
    createdAt: "开设时间",
    createdBy: "开设人",
    seeded: "系统初始设置",
    channel: "渠道标识",
    operations: "允许的操作",
    issuedAt: "签发时间",
    issuedBy: "签发人",
    revokedAt: "吊销时间",
    you: "（本人）"
  };

  /* ---------------------------------------------------------------- helpers */

  function fmt(text, n) { return text.replace("{n}", String(n)); }

  // A table of the labels of codes, as the API names them (labels.js, which instant navigation may
  // run after this script: init() waits for it before binding a page).
  function labels(table) { return (window.wsLabels && window.wsLabels[table]) || {}; }

  // Fen as yuan to read, two decimals and thousands grouped: 1234567 -> "12,345.67".
  var MONEY = new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function yuan(fen) { return MONEY.format(Number(fen || 0) / 100); }

  // Fen as yuan for an input box, plain so it reads back as typed: 1234567 -> "12345.67".
  function yuanInput(fen) { return (Number(fen || 0) / 100).toFixed(2); }

  // "2030-03-01T09:00" typed in Beijing time (a datetime-local field) -> "2030-03-01T09:00:00+08:00".
  function beijing(local) { return local ? local + ":00+08:00" : undefined; }

  // A problem+json answer as one line: "title：detail" and each wrong field's message.
  function problemText(body) {
    if (!body) return MSG.server;
    var head = body.title && body.detail ? body.title + "：" + body.detail : (body.detail || body.title || MSG.failed);
    return [head].concat((body.errors || []).map(function (e) { return e && e.message; })).filter(Boolean).join(" ");
  }

  // In place of a page's content: the session has run out (or never was), with a link to sign-in.
  function signInPrompt(box, root) {
    box.textContent = "";
    var p = el("p", "ws-staff__notice", "登录已过期或尚未登录。");
    var a = el("a", "", "前往工作人员登录");
    a.href = new URL(root || box.dataset.root || "../", location.href).href;
    p.appendChild(document.createTextNode(" "));
    p.appendChild(a);
    box.appendChild(p);
  }

  // Save a file the API answered as {filename, content_type, content_base64} (an xlsx export).
  function download(file) {
    var bytes = Uint8Array.from(atob(file.content_base64), function (c) { return c.charCodeAt(0); });
    var a = el("a");
    a.href = URL.createObjectURL(new Blob([bytes], { type: file.content_type || "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }));
    a.download = file.filename;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // The chosen file's bytes as base64 (how the API takes an xlsx upload).
  function readBase64(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result).replace(/^data:[^,]*,/, "")); };
      reader.onerror = function () { reject(reader.error || new Error("read")); };
      reader.readAsDataURL(file);
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    return node;
  }

  function button(text, cls) {
    var b = el("button", cls || "ws-button", text);
    b.type = "button";
    return b;
  }

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

  // "2020-02-20T06:05:00Z" -> "2020年2月20日 14:05" (Asia/Shanghai is UTC+8, no DST).
  function shanghai(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return String(iso);
    var d = new Date(t + 8 * 3600 * 1000);
    var mm = ("0" + d.getUTCMinutes()).slice(-2);
    return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " +
      d.getUTCHours() + ":" + mm;
  }

  function roleLabels(roles) {
    return (roles || []).map(function (r) { return labels("roles")[r] || r; });
  }

  function hasAny(roles, wanted) {
    return (roles || []).some(function (r) { return wanted.indexOf(r) >= 0; });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return new Promise(function (resolve) { legacyCopy(text); resolve(); });
  }

  function legacyCopy(text) {
    var ta = el("textarea", "ws-offscreen");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.setAttribute("aria-hidden", "true");
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    if (!ok) throw new Error("copy");
  }

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function getItem(key) {
    var s = storage();
    try { return s ? s.getItem(key) : null; } catch (e) { return null; }
  }

  function setItem(key, value) {
    var s = storage();
    try { if (s) s.setItem(key, value); } catch (e) { /* private mode: the session lasts this page */ }
  }

  function removeItem(key) {
    var s = storage();
    try { if (s) s.removeItem(key); } catch (e) { /* nothing stored */ }
  }

  async function timedFetch(url, options, ms) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, ms || TIMEOUT_MS) : null;
    if (ctrl) options.signal = ctrl.signal;
    try {
      return await fetch(url, options);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async function readJson(res) {
    try { return await res.json(); } catch (e) { return null; }
  }

  // Thrown when the call could not reach the server; the caller says so and keeps its data.
  function NetworkError() { this.network = true; }
  // Thrown when the session is gone: the page is already on its way to sign-in.
  function SignedOut() { this.signedOut = true; }

  /* ---------------------------------------------------------------- session */

  var root = null;  // URL of site/staff/ for the current page

  // site/staff/ as a URL: from the bound workbench page, else from the data-root of the page's own
  // box (fund, support and care pages call wsStaff.api, which may have to send the user to sign in).
  function staffUrl(path) {
    var own = root ? null : document.querySelector("[data-root]");
    return new URL(path || "", root || (own ? new URL(own.dataset.root, location.href).href : location.href)).href;
  }

  function loadSession() {
    try {
      var s = JSON.parse(getItem(STORE) || "null");
      return s && s.idToken && s.accessToken ? s : null;
    } catch (e) { return null; }
  }

  function saveSession(result, previous, username) {
    var s = {
      username: username,
      idToken: result.IdToken,
      accessToken: result.AccessToken,
      refreshToken: result.RefreshToken || (previous && previous.refreshToken) || "",
      expiresAt: Date.now() + (Number(result.ExpiresIn) || 3600) * 1000
    };
    setItem(STORE, JSON.stringify(s));
    schedule();
    return s;
  }

  function clearSession() {
    removeItem(STORE);
    if (refreshTimer) { clearTimeout(refreshTimer); refreshTimer = null; }
  }

  // Leave for the sign-in page, coming back here afterwards.
  function toSignIn(notice) {
    clearSession();
    if (location.pathname.indexOf(new URL(staffUrl("")).pathname) === 0 &&
        location.href !== staffUrl("")) setItem(NEXT, location.pathname + location.search);
    if (notice) setItem(NOTICE, notice);
    location.replace(staffUrl(""));
    throw new SignedOut();
  }

  var configPromise = null;

  function authConfig() {
    if (!configPromise) {
      configPromise = timedFetch(API + "/auth/config", { headers: { "Accept": "application/json" },
        credentials: "same-origin" }).then(async function (res) {
        var body = await readJson(res);
        if (!res.ok || !body || !body.endpoint || !body.client_id) throw new Error("config " + res.status);
        return body;
      }, function () { throw new NetworkError(); });
      configPromise.catch(function () { configPromise = null; });
    }
    return configPromise;
  }

  function errorType(body, res) {
    var t = (body && (body.__type || body.code)) || (res && res.headers.get("x-amzn-ErrorType")) || "";
    return String(t).split("#").pop().split(":")[0];
  }

  // One call to Cognito's JSON API. Resolves {ok, status, type, body}; rejects with NetworkError.
  async function cognito(action, payload, ms) {
    var cfg = await authConfig();
    var res;
    try {
      res = await timedFetch(cfg.endpoint, {
        method: "POST",
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService." + action
        },
        body: JSON.stringify(payload)
      }, ms);
    } catch (e) {
      throw new NetworkError();
    }
    var body = (await readJson(res)) || {};
    return { ok: res.ok, status: res.status, type: res.ok ? "" : errorType(body, res), body: body };
  }

  var refreshing = null;
  var refreshTimer = null;

  // New ID and access tokens from the refresh token. Rejects with NetworkError, or SignedOut
  // (after sending the page to sign-in) when Cognito refuses.
  function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async function () {
      var s = loadSession();
      if (!s || !s.refreshToken) toSignIn(MSG.expired);
      var cfg = await authConfig();
      var r = await cognito("InitiateAuth", { AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: cfg.client_id,
        AuthParameters: { REFRESH_TOKEN: s.refreshToken } });
      if (!r.ok || !r.body.AuthenticationResult) {
        if (r.status >= 500 || r.type === "TooManyRequestsException") throw new NetworkError();
        toSignIn(MSG.expired);
      }
      return saveSession(r.body.AuthenticationResult, s, s.username);
    })();
    var done = function () { refreshing = null; };
    refreshing.then(done, done);
    return refreshing;
  }

  function schedule() {
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = null;
    var s = loadSession();
    if (!s || !document.querySelector(".ws-staff")) return;
    var wait = Math.max(s.expiresAt - Date.now() - REFRESH_AHEAD_MS, 10000);
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      if (document.querySelector(".ws-staff")) refresh().catch(function () { /* retried on next call */ });
    }, Math.min(wait, 2147483000));
  }

  // A call to our API as the signed-in person. Resolves {ok, status, body}; rejects with
  // NetworkError or SignedOut.
  async function api(method, path, payload, key) {
    var s = loadSession();
    if (!s) toSignIn();
    if (s.expiresAt - Date.now() < REFRESH_AHEAD_MS) s = await refresh();
    async function send(session) {
      var headers = { "Accept": "application/json, application/problem+json",
        "Authorization": "Bearer " + session.idToken };
      if (payload !== undefined) headers["Content-Type"] = "application/json";
      if (key) headers["Idempotency-Key"] = key;
      try {
        return await timedFetch(API + path, { method: method, headers: headers, credentials: "same-origin",
          cache: "no-store", body: payload === undefined ? undefined : JSON.stringify(payload) });
      } catch (e) {
        throw new NetworkError();
      }
    }
    // The gateway refuses a credential its authorizer denied (expired, or the account disabled)
    // with 401, or 403 AccessDeniedException before any route runs.
    function refused(res) {
      return res.status === 401 || (res.status === 403 && res.headers.get("x-amzn-ErrorType") === "AccessDeniedException");
    }
    var res = await send(s);
    if (refused(res)) {
      s = await refresh();
      res = await send(s);
      if (refused(res)) toSignIn(MSG.expired);
    }
    var body = await readJson(res);
    if (res.status === 403 && body && body.type === MFA_REQUIRED && !document.querySelector('[data-ws-staff="signin"]')) {
      if (location.pathname.indexOf(new URL(staffUrl("")).pathname) === 0) setItem(NEXT, location.pathname + location.search);
      location.replace(staffUrl(""));  // the sign-in page enrols the second factor, then comes back
      throw new SignedOut();
    }
    return { ok: res.ok, status: res.status, body: body };
  }

  // A public API read (the union tree): no Authorization header, since public routes take a bearer
  // credential as a partner's and refuse a staff token.
  async function publicGet(path) {
    var res;
    try {
      res = await timedFetch(API + path, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    } catch (e) {
      throw new NetworkError();
    }
    return { ok: res.ok, status: res.status, body: await readJson(res) };
  }

  async function signOut() {
    var s = loadSession();
    clearSession();
    removeItem(NEXT);
    if (s && s.accessToken) {
      try { await cognito("GlobalSignOut", { AccessToken: s.accessToken }, SIGNOUT_TIMEOUT_MS); } catch (e) { /* ignored */ }
    }
    setItem(NOTICE, MSG.signedOut);
    location.replace(staffUrl(""));
  }

  /* ---------------------------------------------------------------- forms */

  function controls(form) {
    return Array.prototype.filter.call(form.elements, function (c) {
      return c.name && !c.disabled && ["submit", "button", "reset", "file", "fieldset"].indexOf(c.type) < 0;
    });
  }

  // Checkbox groups (same name) become arrays; empty optional text fields are left out.
  function collect(form) {
    var data = {};
    controls(form).forEach(function (c) {
      if (c.type === "checkbox") {
        if (!data[c.name]) data[c.name] = [];
        if (c.checked) data[c.name].push(c.value);
        return;
      }
      var v = c.type === "password" ? c.value : c.value.trim();
      if (v !== "") data[c.name] = v;
    });
    return data;
  }

  // As forms.js names them, so that its checks clear a message put here by the server's answer.
  function errorId(form, name) { return (form.id || form.dataset.wsId) + "-err-" + name.replace(/[^\w-]/g, "_"); }

  // The form's message box (forms.js makes it, as on every form of the site).
  function messageBox(form) { return window.wsForms.messageBox(form); }

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
    var box = messageBox(form);
    box.hidden = true;
    box.textContent = "";
    box.className = "ws-form__message";
  }

  // Message under the field (or checkbox group) called `name`; returns the control or null.
  function fieldError(form, name, message) {
    var esc = window.CSS && CSS.escape ? CSS.escape(name) : name;
    var c = form.querySelector('[name="' + esc + '"]');
    if (!c) {
      var base = name.replace(/\.\d+$/, "");
      if (base !== name) return fieldError(form, base, message);
      return null;
    }
    if (c.type === "hidden") return null;
    var id = errorId(form, name);
    var msg = document.getElementById(id);
    if (msg) {
      msg.textContent += "；" + message;
    } else {
      msg = el("p", "ws-error", message);
      msg.id = id;
      (c.closest(".ws-field, fieldset") || c.parentNode).appendChild(msg);
    }
    var targets = c.type === "checkbox" ? form.querySelectorAll('[name="' + esc + '"]') : [c];
    Array.prototype.forEach.call(targets, function (t) {
      t.setAttribute("aria-invalid", "true");
      var ids = (t.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (ids.indexOf(id) < 0) ids.push(id);
      t.setAttribute("aria-describedby", ids.join(" "));
    });
    return c;
  }

  function message(form, kind, title, lines) {
    var box = messageBox(form);
    box.className = "ws-form__message ws-form__message--" + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = "";
    if (title) box.appendChild(el("p", "ws-form__title", title));
    (lines || []).forEach(function (line) { if (line) box.appendChild(el("p", null, line)); });
    box.hidden = false;
    return box;
  }

  // A failed request's id (problem+json request_id), shown so a caller can quote it to the helpdesk.
  function errorNumber(problem) {
    return problem && problem.request_id ? fmt(MSG.errorNumber, String(problem.request_id)) : "";
  }

  // Why a list could not be read: the problem's title (or the server message) and its error number.
  function loadError(problem) {
    return [(problem && problem.title) || MSG.server, errorNumber(problem)].filter(Boolean).join(" ");
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
    var title = problem && problem.title ? String(problem.title) : (status === 403 ? MSG.forbidden : MSG.failed);
    var detail = problem && problem.detail ? String(problem.detail) : (status >= 500 ? MSG.server : "");
    var box = message(form, "error", title, [detail].concat(unplaced, [errorNumber(problem)]));
    (first || box).focus();
  }

  function setBusy(form, busy, label) {
    var btn = form.querySelector('[type="submit"]');
    form.setAttribute("aria-busy", busy ? "true" : "false");
    if (!btn) return;
    if (!btn.dataset.label) btn.dataset.label = btn.textContent;
    btn.disabled = busy;
    btn.textContent = busy ? (label || MSG.sending) : btn.dataset.label;
  }

  // Client checks (forms.js, the same for every form on the site); true when the form may be sent.
  function check(form) { return !window.wsForms || window.wsForms.check(form); }

  // A staff write form: opts.send(data, key) -> api(...) promise; opts.done(body) on 2xx.
  function bindWriteForm(form, opts) {
    if (form.dataset.wsBound) return;
    form.dataset.wsBound = "1";
    form.noValidate = true;
    messageBox(form);
    var state = { key: uuid(), sending: false };
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (state.sending || !check(form)) return;
      var data = collect(form);
      if (opts.extra) Object.assign(data, opts.extra());
      state.sending = true;
      setBusy(form, true);
      var r = null;
      var failure = null;
      try { r = await opts.send(data, state.key); } catch (e) { failure = e; }
      state.sending = false;
      setBusy(form, false);
      if (failure) {
        if (failure.network) message(form, "error", MSG.network).focus();  // same key on retry
        else if (!failure.signedOut) message(form, "error", MSG.server).focus();
        return;
      }
      if (r.ok) {
        state.key = uuid();
        clearErrors(form);
        form.reset();
        opts.done(r.body || {});
      } else if (r.status === 429) {
        message(form, "error", MSG.tooMany).focus();
      } else {
        if (r.status === 400 || r.status === 422) state.key = uuid();
        showProblem(form, r.status, r.body);
      }
    });
  }

  // A secret shown once (temporary password, partner key) with a copy button and a warning.
  function showSecret(anchor, heading, label, value, warning) {
    var old = anchor.parentNode.querySelector(".ws-secret");
    if (old) old.remove();
    var panel = el("section", "ws-secret");
    panel.setAttribute("role", "status");
    var h = el("h3", "ws-secret__title", heading);
    h.tabIndex = -1;
    panel.appendChild(h);
    panel.appendChild(el("p", "ws-secret__label", label));
    panel.appendChild(el("p", "ws-secret__value", value));
    var copy = button(MSG.copy, "ws-button ws-copy");
    var note = el("p", "ws-copy__note");
    note.setAttribute("aria-live", "polite");
    copy.addEventListener("click", function () {
      copyText(value).then(function () { note.textContent = MSG.copied; },
        function () { note.textContent = MSG.copyFailed; });
    });
    panel.appendChild(copy);
    panel.appendChild(note);
    panel.appendChild(el("p", "ws-secret__warn", warning));
    var close = button(MSG.dismiss, "ws-button ws-button--plain");
    close.addEventListener("click", function () { panel.remove(); });
    panel.appendChild(close);
    anchor.parentNode.insertBefore(panel, anchor);
    h.focus();
    return panel;
  }

  // An action button that asks once more, inline (no window.confirm: WeChat shows the host).
  function confirmAction(holder, label, question, run) {
    var act = button(label, "ws-button ws-button--danger");
    holder.appendChild(act);
    act.addEventListener("click", function () {
      act.hidden = true;
      var box = el("div", "ws-confirm");
      box.setAttribute("role", "group");
      var q = el("p", "ws-confirm__question", question);
      q.tabIndex = -1;
      var yes = button(MSG.yes, "ws-button ws-button--danger");
      var no = button(MSG.cancel, "ws-button ws-button--plain");
      var out = el("p", "ws-error");
      out.hidden = true;
      box.appendChild(q);
      box.appendChild(yes);
      box.appendChild(no);
      box.appendChild(out);
      holder.appendChild(box);
      q.focus();
      var key = uuid();
      no.addEventListener("click", function () { box.remove(); act.hidden = false; act.focus(); });
      yes.addEventListener("click", async function () {
        yes.disabled = true;
        no.disabled = true;
        out.hidden = true;
        var r = null;
        try { r = await run(key); } catch (e) {
          if (e && e.signedOut) return;
          r = { ok: false, status: 0, body: { title: MSG.network } };
        }
        yes.disabled = false;
        no.disabled = false;
        if (r.ok) return;  // run() re-renders
        var p = r.body || {};
        out.textContent = [[p.title || (r.status >= 500 ? MSG.server : MSG.failed), p.detail].filter(Boolean).join("："),
          errorNumber(p)].filter(Boolean).join(" ");
        out.hidden = false;
        if (r.status !== 0 && r.status !== 429 && r.status < 500) key = uuid();
      });
    });
  }

  function facts(pairs) {
    var dl = el("dl", "ws-facts");
    pairs.forEach(function (p) {
      if (p[1] == null || p[1] === "") return;
      dl.appendChild(el("dt", null, p[0]));
      dl.appendChild(el("dd", null, p[1]));
    });
    return dl;
  }

  // A paged list: fetchPage(cursor) -> api(...); render(item) -> <li>.
  // A newer load of the same box (another unit picked meanwhile) wins; older answers are dropped.
  async function pagedList(box, fetchPage, render, empty) {
    var gen = (box.wsGen || 0) + 1;
    box.wsGen = gen;
    box.textContent = "";
    box.setAttribute("aria-busy", "true");
    var list = el("ul", "ws-records");
    var more = button(MSG.more, "ws-button ws-button--plain ws-more");
    var status = el("p", "ws-staff__status", MSG.loading);
    box.appendChild(status);
    async function page(cursor) {
      var r;
      try { r = await fetchPage(cursor); } catch (e) {
        if ((e && e.signedOut) || box.wsGen !== gen) return;
        status.textContent = MSG.network;
        return;
      }
      if (box.wsGen !== gen) return;
      if (!r.ok || !r.body || !Array.isArray(r.body.items)) {
        status.textContent = loadError(r.body);
        return;
      }
      status.remove();
      if (!cursor) {
        if (!r.body.items.length) { box.appendChild(el("p", "ws-staff__empty", empty)); return; }
        box.appendChild(list);
      }
      r.body.items.forEach(function (item) { if (item) list.appendChild(render(item)); });
      more.remove();
      if (r.body.next_cursor) {
        more.onclick = function () {
          more.disabled = true;
          page(r.body.next_cursor).then(function () { more.disabled = false; });
        };
        box.appendChild(more);
      }
    }
    await page(null);
    if (box.wsGen === gen) box.setAttribute("aria-busy", "false");
  }

  /* ---------------------------------------------------------------- addresses */

  // Every record on a staff page has an address: the page's own path with a query naming the
  // record (?ref=ZF7K-3QW9-M, ?family=…, ?session=…) after the list's filters (?unit=…&status=…).
  // Links are real <a href> (a new tab, a bookmark, a copy to a colleague); a plain click moves
  // with history.pushState and the page draws itself from the address, as it does on back/forward
  // (popstate) and on a first load (after sign-in the person comes back to the whole address).
  // A page calls route.follow(box, draw) once; draw(params) shows what params name.
  var followers = [];

  function routeParams() { return new URLSearchParams(location.search); }

  // This page's address with `changes` applied to the current query (null, "" or false removes a key).
  function routeHref(changes) {
    var q = routeParams();
    Object.keys(changes || {}).forEach(function (k) {
      var v = changes[k];
      if (v == null || v === "" || v === false) q.delete(k);
      else q.set(k, v === true ? "1" : String(v));
    });
    var s = q.toString();
    return location.pathname + (s ? "?" + s : "");
  }

  // Back or forward to another page's address is Material's to load (instant navigation): only
  // the pages bound to this path draw.
  function redraw() {
    followers = followers.filter(function (f) { return f.box.isConnected; });
    var params = routeParams();
    return Promise.all(followers.filter(function (f) { return f.path === location.pathname; })
      .map(function (f) { window.wsForms.readdress(f.box); return f.draw(params); }));
  }

  // Move to an address on this page: a new history entry (or, with replace, the current one, as for
  // a filter typed letter by letter), remembering where it came from for the detail's back link.
  function routeTo(url, replace) {
    var from = location.pathname + location.search;
    if (url === from) return redraw();
    if (replace) history.replaceState(history.state, "", url);
    else history.pushState({ wsFrom: from }, "", url);
    return redraw();
  }

  function routeGo(changes, replace) { return routeTo(routeHref(changes), replace); }

  // A link to an address on this page; a plain click stays on the page (Material's instant
  // navigation, listening on the body, would take it for a page change and not draw it).
  // `follow(href)` replaces the move (the back link uses it).
  function routeLink(text, changes, cls, follow) {
    var a = el("a", cls || "ws-route", text);
    a.href = routeHref(changes);
    a.addEventListener("click", function (ev) {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      ev.stopPropagation();
      (follow || routeTo)(a.getAttribute("href"));
    });
    return a;
  }

  // "返回列表": back in history when the list is the entry before this one (its place is kept),
  // else on to the list's address.
  function routeBack(text, changes) {
    return routeLink("← " + (text || "返回列表"), changes, "ws-route ws-route--back", function (href) {
      if (history.state && history.state.wsFrom === href) history.back();
      else routeTo(href);
    });
  }

  function routeFollow(box, draw) {
    followers.push({ box: box, draw: draw, path: location.pathname });
    return draw(routeParams());
  }

  window.addEventListener("popstate", function () { if (followers.length) redraw(); });

  // Show the parts of a page marked data-ws-view="list" or "detail": one at a time, the detail
  // brought to the top with its heading focused (a screen reader hears which record opened).
  function showView(box, detail) {
    window.wsForms.readdress(box);  // however the address was reached, its forms are its own
    box.querySelectorAll("[data-ws-view]").forEach(function (n) {
      n.hidden = n.dataset.wsView !== (detail ? "detail" : "list");
    });
    if (detail) {
      var h = box.querySelector('[data-ws-view="detail"] h2');
      if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
      window.scrollTo(0, Math.max(0, box.getBoundingClientRect().top + window.scrollY - 80));
    }
  }

  // A detail's summary card: a heading, an optional state badge, the demo mark of `record`, facts,
  // on a bordered card.
  function summaryCard(title, badge, pairs, record) {
    var card = el("section", "ws-summary");
    var head = el("div", "ws-summary__head");
    head.appendChild(el("h2", "ws-summary__title", title));
    if (badge) head.appendChild(el("span", "ws-badge", badge));
    demoBadge(head, record);
    card.appendChild(head);
    card.appendChild(facts(pairs));
    return card;
  }

  // The mark of a record from the demo data set (its `demo` flag): a small label after the record's
  // name in a list row or a summary card's heading. Every page marks demo records with this alone.
  function demoBadge(holder, record) {
    if (!holder || !record || !record.demo) return null;
    var badge = el("span", "ws-badge ws-badge--demo", "示例数据");
    badge.title = "演示数据集中的记录，不计入上报的数字";
    holder.appendChild(document.createTextNode(" "));
    holder.appendChild(badge);
    return badge;
  }

  // A list's row for one record: its name linking to the record's address on this page (`changes`
  // to the query), its demo mark, and its facts.
  function recordRow(text, changes, record, pairs) {
    var li = el("li", "ws-record");
    var title = el("h3", "ws-record__title");
    title.appendChild(routeLink(text, changes));
    demoBadge(title, record);
    li.appendChild(title);
    li.appendChild(facts(pairs));
    return li;
  }

  // Who did something, as the audit trail names them ("staff:wang.li", "public"), in words.
  function actorLabel(actor) {
    var text = String(actor || "");
    var i = text.indexOf(":");
    var kind = i < 0 ? text : text.slice(0, i);
    var name = i < 0 ? "" : text.slice(i + 1);
    var word = labels("actorKinds")[kind];
    if (kind === "staff" && name) return name;
    return word ? word + (name ? "（" + name + "）" : "") : text;
  }

  // A record's history as a list: "2020年2月20日 14:05 · who · what".
  function historyList(entries, describe) {
    var ol = el("ol", "ws-history");
    (entries || []).forEach(function (h) {
      var li = el("li", "ws-history__item");
      li.appendChild(el("time", "ws-history__at", shanghai(h.at)));
      li.appendChild(el("span", "ws-history__who", h.actor_name || actorLabel(h.actor)));
      li.appendChild(el("span", "ws-history__what", describe(h)));
      ol.appendChild(li);
    });
    if (!ol.children.length) ol.appendChild(el("li", "ws-history__item", "暂无记录"));
    return ol;
  }

  // The text messages sent about one record (`base`: its staff address, e.g. /staff/firms/ABCD-EFGH-J),
  // each with its delivery state, and when the page gives `resend(messageId, key)` (its POST to the
  // record's .../messages/{id}/resend) a resend (audited) after a confirmation. After a resend the
  // list is drawn again and `onResent(text)` says so.
  function messageHistory(box, base, resend, onResent) {
    function render(m) {
      var li = el("li", "ws-record ws-message");
      li.appendChild(el("h4", "ws-record__title", m.template_label + (m.resent_from ? "（重发）" : "")));
      li.appendChild(facts([["时间", shanghai(m.created_at)], ["发给", m.to],
        ["状态", m.state_label + (m.error ? "：" + m.error : "")], ["尝试次数", String(m.attempts)]]));
      if (resend && m.channel === "sms") {
        var actions = el("div", "ws-record__actions");
        confirmAction(actions, MSG.resend, fmt(MSG.confirmResend, m.template_label), async function (key) {
          var r = await resend(m.id, key);
          if (r.ok) {
            messageHistory(box, base, resend, onResent);
            if (onResent) onResent(fmt(MSG.resent, r.body.template_label));
          }
          return r;
        });
        li.appendChild(actions);
      }
      return li;
    }
    return pagedList(box, function () { return api("GET", base + "/messages"); }, render, MSG.noMessages);
  }

  /* ---------------------------------------------------------------- sign-in */

  function bindSignIn(box) {
    var form = box.querySelector("#ws-signin");
    var step2 = box.querySelector("#ws-newpass");
    var totp = box.querySelector("#ws-totp");
    var setup = box.querySelector("#ws-mfa-setup");
    if (!form || !step2 || !totp || !setup) return;
    [form, step2, totp, setup].forEach(messageBox);
    var notice = getItem(NOTICE);
    removeItem(NOTICE);
    var pending = null;  // {username, session, old} while a new password or a TOTP code is asked for
    if (loadSession()) { afterSignIn(); return; }
    if (notice) message(form, "info", notice);

    function goOn() {
      var next = getItem(NEXT);
      removeItem(NEXT);
      var rootPath = new URL(staffUrl("")).pathname;
      var target = next && next.indexOf(rootPath) === 0 && next.indexOf("//") < 0 ? next : staffUrl("workbench/");
      location.replace(target);
    }

    function show(step, focus) {
      [form, step2, totp, setup].forEach(function (f) { f.hidden = f !== step; });
      clearErrors(step);
      (focus || step.querySelector("input")).focus();
    }

    // Signed in: on to the workbench, unless the API first wants a second factor enrolled.
    async function afterSignIn() {
      var r;
      try { r = await api("GET", "/me"); } catch (e) {
        if (e && e.signedOut) return;
        show(form);
        message(form, "error", e && e.network ? MSG.network : MSG.server).focus();
        return;
      }
      if (r.status === 403 && r.body && r.body.type === MFA_REQUIRED) { startSetup(); return; }
      goOn();
    }

    function signedIn(result, username) {
      saveSession(result, null, username);
      pending = null;
      afterSignIn();
    }

    // The answer to InitiateAuth or RespondToAuthChallenge: tokens, or the next challenge.
    function proceed(target, r, username, password) {
      if (r.ok && r.body.AuthenticationResult) {
        signedIn(r.body.AuthenticationResult, username);
      } else if (r.ok && r.body.ChallengeName === "NEW_PASSWORD_REQUIRED") {
        pending = { username: username, session: r.body.Session, old: password };
        form.querySelector('[name="password"]').value = "";
        show(step2, step2.querySelector('[name="new_password"]'));
      } else if (r.ok && r.body.ChallengeName === "SOFTWARE_TOKEN_MFA") {
        pending = { username: username, session: r.body.Session };
        form.querySelector('[name="password"]').value = "";
        totp.reset();
        show(totp);
      } else if (r.ok) {
        restart(MSG.signInFailed);  // a challenge this page does not handle
      } else {
        failed(target, r);
      }
    }

    function failed(target, r) {
      var t = r.type;
      if (t === "NotAuthorizedException" || t === "UserNotFoundException") {
        if (target === step2) { restart(MSG.challengeExpired); return; }
        if (target === totp) { restart(MSG.codeExpired); return; }
        message(target, "error", MSG.badLogin);
        var pw = form.querySelector('[name="password"]');
        pw.value = "";
        pw.focus();
        return;
      }
      if (t === "InvalidPasswordException") {
        fieldError(target, target === step2 ? "new_password" : "password", MSG.badNewPassword).focus();
        return;
      }
      if (t === "PasswordResetRequiredException") { message(target, "error", MSG.resetRequired).focus(); return; }
      if (t === "TooManyRequestsException" || t === "LimitExceededException" || t === "TooManyFailedAttemptsException") {
        message(target, "error", MSG.tooMany).focus();
        return;
      }
      if (t === "CodeMismatchException" || t === "EnableSoftwareTokenMFAException") {
        if (target === totp || target === setup) {
          var code = target.querySelector('[name="code"]');
          code.value = "";
          fieldError(target, "code", MSG.badCode).focus();
          return;
        }
      }
      if (t === "CodeMismatchException" || t === "ExpiredCodeException") { restart(MSG.challengeExpired); return; }
      message(target, "error", target === setup ? MSG.mfaSetupFailed : MSG.signInFailed,
        [r.status >= 500 ? MSG.server : ""]).focus();
    }

    function restart(text) {
      pending = null;
      [step2, totp, setup].forEach(function (f) { f.reset(); });
      show(form, form.querySelector('[name="username"]'));
      form.querySelector('[name="password"]').value = "";
      if (text) message(form, "error", text);
    }

    async function attempt(target, action, payload) {
      setBusy(target, true, MSG.signingIn);
      try {
        return await cognito(action, payload);
      } catch (e) {
        message(target, "error", e && e.network ? MSG.network : MSG.server).focus();
        return null;
      } finally {
        setBusy(target, false);
      }
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true" || !check(form)) return;
      var username = form.querySelector('[name="username"]').value.trim().toLowerCase();
      var password = form.querySelector('[name="password"]').value;
      var cfg;
      try { cfg = await authConfig(); } catch (e) {
        message(form, "error", e && e.network ? MSG.network : MSG.server).focus();
        return;
      }
      var r = await attempt(form, "InitiateAuth", { AuthFlow: "USER_PASSWORD_AUTH", ClientId: cfg.client_id,
        AuthParameters: { USERNAME: username, PASSWORD: password } });
      if (r) proceed(form, r, username, password);
    });

    step2.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (step2.getAttribute("aria-busy") === "true" || !pending || !check(step2)) return;
      var p1 = step2.querySelector('[name="new_password"]').value;
      var p2 = step2.querySelector('[name="confirm"]').value;
      if (!/[A-Z]/.test(p1) || !/[a-z]/.test(p1) || !/[0-9]/.test(p1) || !/[^A-Za-z0-9]/.test(p1)) {
        fieldError(step2, "new_password", MSG.badNewPassword).focus();
        return;
      }
      if (p1 === pending.old) { fieldError(step2, "new_password", MSG.sameAsOld).focus(); return; }
      if (p1 !== p2) { fieldError(step2, "confirm", MSG.mismatch).focus(); return; }
      var cfg = await authConfig();
      var r = await attempt(step2, "RespondToAuthChallenge", { ChallengeName: "NEW_PASSWORD_REQUIRED",
        ClientId: cfg.client_id, Session: pending.session,
        ChallengeResponses: { USERNAME: pending.username, NEW_PASSWORD: p1 } });
      if (r) proceed(step2, r, pending.username, p1);
    });

    totp.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (totp.getAttribute("aria-busy") === "true" || !pending || !check(totp)) return;
      var cfg = await authConfig();
      var r = await attempt(totp, "RespondToAuthChallenge", { ChallengeName: "SOFTWARE_TOKEN_MFA",
        ClientId: cfg.client_id, Session: pending.session,
        ChallengeResponses: { USERNAME: pending.username, SOFTWARE_TOKEN_MFA_CODE: totp.querySelector('[name="code"]').value.trim() } });
      if (!r) return;
      if (r.ok && r.body.AuthenticationResult) signedIn(r.body.AuthenticationResult, pending.username);
      else if (r.ok && r.body.ChallengeName === "SOFTWARE_TOKEN_MFA") {  // Cognito asks again after a wrong code
        pending.session = r.body.Session || pending.session;
        fieldError(totp, "code", MSG.badCode).focus();
      } else failed(totp, r);
    });

    /* Enrolment: Cognito makes the secret; it is shown here (QR code and text) and nowhere else. */

    function loadQrLibrary() {
      if (typeof window.qrcode === "function") return Promise.resolve(window.qrcode);
      return new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = staffUrl(QR_LIBRARY);
        tag.onload = function () { typeof window.qrcode === "function" ? resolve(window.qrcode) : reject(new Error("qr")); };
        tag.onerror = function () { reject(new NetworkError()); };
        document.head.appendChild(tag);
      });
    }

    function drawQr(qrcode, text, holder) {
      var qr = qrcode(0, "M");
      qr.addData(text);  // ASCII only: the label and issuer are percent-encoded
      qr.make();
      var n = qr.getModuleCount();
      var quiet = 4;
      var scale = 6;
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = (n + 2 * quiet) * scale;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "绑定验证器用的二维码");
      var g = canvas.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = "#000";
      for (var row = 0; row < n; row++) {
        for (var col = 0; col < n; col++) {
          if (qr.isDark(row, col)) g.fillRect((col + quiet) * scale, (row + quiet) * scale, scale, scale);
        }
      }
      holder.replaceChildren(canvas);
    }

    async function accessToken() {
      var s = loadSession();
      if (!s) toSignIn(MSG.expired);
      if (s.expiresAt - Date.now() < REFRESH_AHEAD_MS) s = await refresh();
      return s.accessToken;
    }

    async function startSetup() {
      var s = loadSession();
      setup.reset();
      show(setup, setup.querySelector("h2"));
      var token;
      try { token = await accessToken(); } catch (e) {
        if (!(e && e.signedOut)) message(setup, "error", e && e.network ? MSG.network : MSG.server).focus();
        return;
      }
      var r = await attempt(setup, "AssociateSoftwareToken", { AccessToken: token });
      if (!r) return;
      if (!r.ok || !r.body.SecretCode) { failed(setup, r); return; }
      var secret = String(r.body.SecretCode).toUpperCase();
      setup.querySelector('[data-role="secret"]').textContent = secret.replace(/(.{4})/g, "$1 ").trim();
      var label = encodeURIComponent(TOTP_ISSUER + ":" + ((s && s.username) || ""));
      var uri = "otpauth://totp/" + label + "?secret=" + encodeURIComponent(secret) +
        "&issuer=" + encodeURIComponent(TOTP_ISSUER) + "&algorithm=SHA1&digits=6&period=30";
      var holder = setup.querySelector('[data-role="qr"]');
      try {
        drawQr(await loadQrLibrary(), uri, holder);
      } catch (e) {
        holder.replaceChildren(el("p", "ws-staff__notice", MSG.qrFailed));
      }
    }

    setup.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (setup.getAttribute("aria-busy") === "true" || !check(setup)) return;
      var code = setup.querySelector('[name="code"]').value.trim();
      var token;
      try { token = await accessToken(); } catch (e) {
        if (!(e && e.signedOut)) message(setup, "error", e && e.network ? MSG.network : MSG.server).focus();
        return;
      }
      var r = await attempt(setup, "VerifySoftwareToken", { AccessToken: token, UserCode: code,
        FriendlyDeviceName: TOTP_ISSUER });
      if (!r) return;
      if (!r.ok || r.body.Status !== "SUCCESS") { failed(setup, r.ok ? { type: "CodeMismatchException" } : r); return; }
      r = await attempt(setup, "SetUserMFAPreference", { AccessToken: token,
        SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
      if (!r) return;
      if (!r.ok) { failed(setup, r); return; }
      var done;
      setBusy(setup, true, MSG.sending);
      try { done = await api("POST", "/me/mfa"); } catch (e) {
        if (!(e && e.signedOut)) message(setup, "error", e && e.network ? MSG.network : MSG.server).focus();
        return;
      } finally {
        setBusy(setup, false);
      }
      if (done.ok) { goOn(); return; }
      showProblem(setup, done.status, done.body);
    });

    [step2, totp].forEach(function (f) {
      f.querySelector('[data-action="restart"]').addEventListener("click", function () { restart(""); });
    });
    setup.querySelector('[data-action="sign-out"]').addEventListener("click", function () { signOut(); });
  }

  /* ---------------------------------------------------------------- signed-in pages */

  // Loads /api/me, shows who is signed in; resolves the person, or null when the page cannot go on.
  async function signedIn(box) {
    if (!loadSession()) toSignIn();
    schedule();
    var r;
    try { r = await api("GET", "/me"); } catch (e) {
      if (e && e.signedOut) return null;
      loadFailed(box, MSG.network);
      return null;
    }
    if (!r.ok || !r.body) {
      loadFailed(box, loadError(r.body));
      return null;
    }
    var loading = box.querySelector(".ws-staff__loading");
    if (loading) loading.remove();
    return r.body;
  }

  function loadFailed(box, text) {
    var loading = box.querySelector(".ws-staff__loading");
    if (loading) loading.remove();
    var p = el("p", "ws-staff__notice", text);
    p.setAttribute("role", "alert");
    box.appendChild(p);
    var again = button("重新加载", "ws-button");
    again.addEventListener("click", function () { location.reload(); });
    box.appendChild(again);
  }

  function signOutButton(cls) {
    var b = button(MSG.signOut, "ws-button ws-signout " + (cls || ""));
    b.addEventListener("click", function () {
      b.disabled = true;
      signOut();
    });
    return b;
  }

  // The bar on top of every staff page but the workbench: who, unit, back to the workbench.
  function whoBar(box, me) {
    var bar = el("div", "ws-whoami");
    var who = el("p", "ws-whoami__who");
    who.appendChild(el("span", "ws-whoami__name", me.name || me.id));
    who.appendChild(el("span", "ws-whoami__unit", me.unit_name));
    who.appendChild(el("span", "ws-whoami__roles", (me.role_labels || roleLabels(me.roles)).join("、")));
    bar.appendChild(who);
    var actions = el("p", "ws-whoami__actions");
    var back = el("a", "ws-button ws-button--plain", MSG.backToWorkbench);
    back.href = staffUrl("workbench/");
    actions.appendChild(back);
    actions.appendChild(signOutButton("ws-button--plain"));
    bar.appendChild(actions);
    box.insertBefore(bar, box.firstChild);
  }

  // The caller's unit and every unit under it, indented, into a <select>; {id: unit} or null.
  async function fillUnits(select, me, status, keep) {
    status.textContent = MSG.loading;
    var read = await allPages(publicGet, "/units/" + encodeURIComponent(me.unit_id) + "/subtree", 100);
    if (read.error != null) {
      status.textContent = read.error;
      return null;
    }
    var items = read.items;
    var top = items.reduce(function (m, u) { return Math.min(m, u.depth || 0); }, Infinity);
    select.textContent = "";
    var units = {};
    items.forEach(function (u) {
      units[u.id] = u;
      var indent = new Array(Math.max(0, (u.depth || 0) - top) + 1).join("　");
      var o = el("option", null, indent + u.name + (u.kind_label ? "（" + u.kind_label + "）" : ""));
      o.value = u.id;
      select.appendChild(o);
    });
    select.value = units[keep] ? keep : me.unit_id;
    status.textContent = "共 " + items.length + " 个单位";
    return units;
  }

  // All pages of a list ({items, next_cursor}) at `path`, read with `get`, up to `max` pages:
  // {items}, or {error} when a page fails, saying why ("" when the person was signed out: the
  // sign-in prompt says so).
  async function allPages(get, path, max) {
    var items = [];
    var cursor = null;
    for (var i = 0; i < max; i++) {
      var r;
      try {
        r = await get(path + (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      } catch (e) {
        return { error: e && e.signedOut ? "" : MSG.network };
      }
      if (!r.ok || !r.body || !Array.isArray(r.body.items)) return { error: loadError(r.body) };
      items = items.concat(r.body.items);
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    return { items: items };
  }

  // work(item) for each item, at most `limit` at once; the results in the items' order.
  async function eachAtMost(items, limit, work) {
    var results = new Array(items.length);
    var next = 0;
    async function worker() {
      while (next < items.length) {
        var i = next++;
        results[i] = await work(items[i]);
      }
    }
    var workers = [];
    for (var w = 0; w < Math.min(limit, items.length); w++) workers.push(worker());
    await Promise.all(workers);
    return results;
  }

  function staffGet(path) { return api("GET", path); }

  // Frontline households are registered by hospital unions (the archive refuses any other unit), so
  // the families a county or the city works on are in the hospitals of its subtree, in tree order.
  // {items} or {error}, as allPages.
  async function hospitalsUnder(unitId) {
    var read = await allPages(publicGet, "/units/" + encodeURIComponent(unitId) + "/subtree", 100);
    if (read.error != null) return read;
    return { items: read.items.filter(function (u) { return u.kind === "hospital_union"; }) };
  }

  function personnelPath(unitId) {
    return "/staff/frontline/units/" + encodeURIComponent(unitId) + "/personnel";
  }

  // A unit picker on a page that works on one hospital's archive (enrolment, the insurer's list, the
  // archive itself) opens on the caller's own unit when that is a hospital, otherwise on the first
  // hospital below it whose archive holds households. Returns the unit chosen.
  async function pickHospital(select, unitId) {
    var read = await hospitalsUnder(unitId);
    var found = read.items;
    if (!found || found.some(function (u) { return u.id === select.value; })) return select.value;
    var offered = {};
    Array.prototype.forEach.call(select.options, function (o) { offered[o.value] = true; });
    var candidates = found.filter(function (u) { return offered[u.id]; });
    for (var i = 0; i < candidates.length && i < 20; i++) {
      var r = await api("GET", personnelPath(candidates[i].id));
      if (r.ok && r.body && r.body.items && r.body.items.length) {
        select.value = candidates[i].id;
        break;
      }
    }
    return select.value;
  }

  // The frontline families of a unit and of the units below it into a <select>, by name, department
  // and post (grouped by unit when there are several): staff pick a family and never type its number.
  // The first option (value "") says what to do; when there is no family to pick, it says so briefly
  // and `hint` (a paragraph under the control) says why and where to register one. The items are returned;
  // null when a list cannot be read, and then `hint` says why (with the error number).
  async function fillFamilies(select, unitId, prompt, none, hint) {
    function failed(error) {
      if (hint && error) {
        hint.textContent = error;
        hint.classList.add("ws-field__hint--error");
        hint.hidden = false;
      }
      return null;
    }
    var read = await hospitalsUnder(unitId);
    if (read.error != null) return failed(read.error);
    var hospitals = read.items.slice(0, 50);
    var pages = await eachAtMost(hospitals, 4, function (u) { return allPages(staffGet, personnelPath(u.id), 40); });
    var groups = [];
    for (var i = 0; i < hospitals.length; i++) {
      if (pages[i].error != null) return failed(pages[i].error);
      if (pages[i].items.length) groups.push({ unit: hospitals[i], items: pages[i].items });
    }
    var items = groups.reduce(function (all, g) { return all.concat(g.items); }, []);
    select.textContent = "";
    var first = el("option", null, items.length ? prompt : MSG.noFamily);
    first.value = "";
    select.appendChild(first);
    groups.forEach(function (g) {
      var parent = select;
      if (groups.length > 1) {
        parent = el("optgroup");
        parent.label = g.unit.name;
        select.appendChild(parent);
      }
      g.items.forEach(function (p) {
        var o = el("option", null, p.name + "　" + p.department + "　" + p.role);
        o.value = p.id;
        parent.appendChild(o);
      });
    });
    if (hint) {
      hint.textContent = items.length ? "" : none;
      hint.classList.remove("ws-field__hint--error");
      hint.hidden = !!items.length;
    }
    return items;
  }

  function forbidden(box) {
    var p = el("p", "ws-staff__notice", MSG.forbidden);
    p.setAttribute("role", "alert");
    box.appendChild(p);
  }

  async function bindWorkbench(box) {
    var me = await signedIn(box);
    if (!me) return;
    var card = el("section", "ws-me");
    card.setAttribute("aria-label", "当前登录");
    card.appendChild(el("p", "ws-me__name", me.name || me.id));
    if (me.name && me.id) card.appendChild(el("p", "ws-me__id", "登录名：" + me.id));
    card.appendChild(el("p", "ws-me__unit", me.unit_name));
    var roles = el("ul", "ws-chips");
    roles.setAttribute("aria-label", "角色");
    (me.role_labels && me.role_labels.length ? me.role_labels : roleLabels(me.roles)).forEach(function (label) {
      roles.appendChild(el("li", "ws-chip", label));
    });
    card.appendChild(roles);
    card.appendChild(signOutButton("ws-button--plain"));
    box.appendChild(card);
    box.appendChild(el("h2", null, MSG.myWork));
    var pages = PAGES.filter(function (p) { return hasAny(me.roles, p.roles); });
    if (!pages.length) {
      box.appendChild(el("p", "ws-staff__empty", MSG.noPages));
      return;
    }
    var nav = el("nav", "ws-staff-nav");
    nav.setAttribute("aria-label", MSG.myWork);
    var list = el("ul", "ws-tiles ws-staff-nav__list");
    pages.forEach(function (p) {
      var li = el("li");
      var a = el("a", "ws-tile", p.title);
      a.href = staffUrl(p.path);
      a.appendChild(el("span", null, p.text));
      li.appendChild(a);
      list.appendChild(li);
    });
    nav.appendChild(list);
    box.appendChild(nav);
  }

  function pageFor(kind) {
    return PAGES.filter(function (p) { return p.path === kind + "/"; })[0];
  }

  // Shared start of an admin page: who is signed in, may they see it, may they write.
  async function adminPage(box, kind) {
    var me = await signedIn(box);
    if (!me) return null;
    whoBar(box, me);
    var page = pageFor(kind);
    if (page && !hasAny(me.roles, page.roles)) { forbidden(box); return null; }
    var canWrite = hasAny(me.roles, WRITERS[kind] || []);
    var body = box.querySelector(".ws-staff__body");
    body.hidden = false;
    Array.prototype.forEach.call(body.querySelectorAll('[data-needs="write"]'), function (n) { n.hidden = !canWrite; });
    if (!canWrite) body.insertBefore(el("p", "ws-staff__notice", MSG.readOnly), body.firstChild);
    return { me: me, canWrite: canWrite, body: body };
  }

  /* ---------------------------------------------------------------- 组织与人员 */

  async function bindOrg(box) {
    var ctx = await adminPage(box, "org");
    if (!ctx) return;
    var me = ctx.me;
    var body = ctx.body;
    var select = body.querySelector("#org-unit");
    var unitsStatus = body.querySelector('[data-role="units-status"]');
    var staffBox = body.querySelector('[data-role="staff-list"]');
    var units = {};
    var current = me.unit_id;
    if (!hasAny(me.roles, ["city_admin"])) {
      var opt = body.querySelector('[data-role-option="city_admin"]');
      if (opt) opt.remove();
    }

    function showUnitName() {
      var u = units[current];
      Array.prototype.forEach.call(body.querySelectorAll('[data-role="unit-name"]'), function (n) {
        n.textContent = u ? u.name : current;
      });
    }

    async function loadUnits(keep) {
      var found = await fillUnits(select, me, unitsStatus, keep);
      if (!found) return;
      units = found;
      current = select.value;
      showUnitName();
    }

    // Who opened an account, by name where the list has it (created_by is a login name).
    var names = {};
    names[me.id] = me.name || me.id;
    function creatorName(username) {
      if (username === "seed") return MSG.seeded;
      return names[username] || username;
    }

    function renderStaff(s) {
      var li = el("li", "ws-record" + (s.status === "disabled" ? " ws-record--off" : ""));
      li.appendChild(el("h3", "ws-record__title", s.name + (s.username === me.id ? MSG.you : "")));
      li.appendChild(facts([
        [MSG.username, s.username],
        [MSG.roles, roleLabels(s.roles).join("、")],
        [MSG.status, s.status === "disabled" ? MSG.disabled : MSG.active],
        [MSG.createdAt, s.created_at ? shanghai(s.created_at) : ""],
        [MSG.createdBy, creatorName(s.created_by)]
      ]));
      if (ctx.canWrite && s.status !== "disabled" && s.username !== me.id) {
        var actions = el("div", "ws-record__actions");
        confirmAction(actions, MSG.disable, fmt(MSG.confirmDisable, s.name + "（" + s.username + "）"),
          async function (key) {
            var r = await api("POST", "/admin/staff/" + encodeURIComponent(s.username) + "/disable", undefined, key);
            if (r.ok) loadStaff();
            return r;
          });
        li.appendChild(actions);
      }
      return li;
    }

    function loadStaff() {
      return pagedList(staffBox, function (cursor) {
        return api("GET", "/admin/units/" + encodeURIComponent(current) + "/staff" +
          (cursor ? "?cursor=" + encodeURIComponent(cursor) : "")).then(function (r) {
          if (r.ok && r.body && Array.isArray(r.body.items)) {
            r.body.items.forEach(function (s) { if (s) names[s.username] = s.name; });
          }
          return r;
        });
      }, renderStaff, MSG.noStaff);
    }

    select.addEventListener("change", function () {
      current = select.value;
      showUnitName();
      var old = body.querySelectorAll(".ws-secret");
      Array.prototype.forEach.call(old, function (n) { n.remove(); });
      loadStaff();
    });

    var staffForm = body.querySelector("#org-new-staff");
    bindWriteForm(staffForm, {
      extra: function () { return { unit_id: current }; },
      send: function (data, key) { return api("POST", "/admin/staff", data, key); },
      done: function (created) {
        showSecret(staffForm, MSG.staffCreated + "：" + (created.name || "") + "（" + (created.username || "") + "）",
          MSG.tempPasswordTitle, String(created.temporary_password || ""), MSG.tempPasswordWarn);
        loadStaff();
      }
    });
    var unitForm = body.querySelector("#org-new-unit");
    bindWriteForm(unitForm, {
      extra: function () { return { parent_id: current }; },
      send: function (data, key) { return api("POST", "/admin/units", data, key); },
      done: function (unit) {
        message(unitForm, "ok", fmt(MSG.unitCreated, unit.name || ""));
        loadUnits(current);
      }
    });

    await loadUnits(me.unit_id);
    await loadStaff();
  }

  /* ---------------------------------------------------------------- 合作应用 */

  async function bindPartners(box) {
    var ctx = await adminPage(box, "partners");
    if (!ctx) return;
    var body = ctx.body;
    var listBox = body.querySelector('[data-role="partner-list"]');

    function renderPartner(p) {
      var li = el("li", "ws-record" + (p.status === "revoked" ? " ws-record--off" : ""));
      li.appendChild(el("h3", "ws-record__title", p.name));
      li.appendChild(facts([
        [MSG.channel, p.channel],
        [MSG.operations, (p.operations || []).map(function (o) { return labels("partnerOperations")[o] || o; }).join("、")],
        [MSG.status, p.status === "revoked" ? MSG.revoked : MSG.active],
        [MSG.issuedAt, p.created_at ? shanghai(p.created_at) : ""],
        [MSG.issuedBy, p.created_by],
        [MSG.revokedAt, p.revoked_at ? shanghai(p.revoked_at) : ""]
      ]));
      if (ctx.canWrite && p.status !== "revoked") {
        var actions = el("div", "ws-record__actions");
        confirmAction(actions, MSG.revoke, fmt(MSG.confirmRevoke, p.name), async function (key) {
          var r = await api("POST", "/admin/partners/" + encodeURIComponent(p.id) + "/revoke", undefined, key);
          if (r.ok) loadPartners();
          return r;
        });
        li.appendChild(actions);
      }
      return li;
    }

    function loadPartners() {
      return pagedList(listBox, function (cursor) {
        return api("GET", "/admin/partners" + (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      }, renderPartner, MSG.noPartners);
    }

    var form = body.querySelector("#partner-new");
    bindWriteForm(form, {
      send: function (data, key) { return api("POST", "/admin/partners", data, key); },
      done: function (issued) {
        showSecret(form, MSG.partnerIssued + "：" + (issued.name || ""), MSG.keyTitle, String(issued.key || ""),
          MSG.keyWarn);
        loadPartners();
      }
    });
    await loadPartners();
  }

  /* ---------------------------------------------------------------- bind */

  var BINDERS = { signin: bindSignIn, workbench: bindWorkbench, org: bindOrg, partners: bindPartners };

  // What a page's own script (site/staff/<page>/<page>.js) uses: it registers its binder with
  // wsStaff.register(kind, bind), or, loaded before this file, pushes [kind, bind] to wsStaffPages.
  var SHARED = {
    MSG: MSG, api: api, el: el, button: button, uuid: uuid, shanghai: shanghai, facts: facts, fmt: fmt, yuan: yuan, yuanInput: yuanInput,
    labels: labels, beijing: beijing, problemText: problemText, signInPrompt: signInPrompt, download: download, readBase64: readBase64,
    pagedList: pagedList, bindWriteForm: bindWriteForm, confirmAction: confirmAction, message: message,
    adminPage: adminPage, fillUnits: fillUnits, fillFamilies: fillFamilies, pickHospital: pickHospital,
    route: { params: routeParams, href: routeHref, go: routeGo, link: routeLink, back: routeBack, follow: routeFollow,
      view: showView },
    summaryCard: summaryCard, demoBadge: demoBadge, recordRow: recordRow, actorLabel: actorLabel, historyList: historyList,
    messageHistory: messageHistory,
    register: function (kind, bind) { BINDERS[kind] = bind; init(); }
  };
  window.wsStaff = SHARED;
  (window.wsStaffPages || []).forEach(function (p) { BINDERS[p[0]] = p[1]; });

  function init() {
    var box = document.querySelector(".ws-staff[data-ws-staff]");
    if (!box) {
      if (refreshTimer) { clearTimeout(refreshTimer); refreshTimer = null; }
      return;
    }
    if (!window.wsLabels) { setTimeout(init, 20); return; }
    var bind = BINDERS[box.dataset.wsStaff];
    if (box.dataset.wsBound || !bind) return;  // a page's script not loaded yet registers later
    box.dataset.wsBound = "1";
    root = new URL(box.dataset.root || "./", location.href).href;
    Promise.resolve().then(function () { return bind(box, SHARED); }).catch(function (e) {
      if (e && e.signedOut) return;  // on the way to sign-in
      loadFailed(box, e && e.network ? MSG.network : MSG.server);
    });
  }

  // On a full page load this script runs inside the content, before Material's bundle defines
  // document$; by DOMContentLoaded it is there. Through instant navigation it already is.
  function follow() {
    if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
    else init();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow);
  else follow();
})();
