/*
 * privacy.js: how long personal data is kept (site/staff/privacy/). The city federation records the
 * day the epidemic task ended and how many days personal data stays after it; the page shows the
 * day the daily purge starts removing it. Auditors read. Uses window.wsStaff; textContent only.
 */
(function () {
  "use strict";

  var KIND = "privacy";
  var TEXT = {
    notEnded: "疫情防控任务尚未结束：个人信息暂不清除。结束后请在这里填写结束日期。",
    saved: "设置已保存。",
    purge: "自 {n} 起每天自动清除到期的个人信息。"
  };

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, KIND);
    if (!ctx) return;
    var body = ctx.body;
    var shown = body.querySelector('[data-role="policy"]');
    var form = body.querySelector("#pv-form");

    function show(p) {
      shown.textContent = "";
      shown.appendChild(ws.facts([["疫情防控任务结束日期", p.epidemic_ended_on || "尚未结束"],
        ["结束后保留天数", p.retention_days + " 天"]]));
      shown.appendChild(ws.el("p", "", p.purge_after ? ws.fmt(TEXT.purge, p.purge_after) : TEXT.notEnded));
      form.querySelector('[name="epidemic_ended_on"]').value = p.epidemic_ended_on || "";
      form.querySelector('[name="retention_days"]').value = String(p.retention_days);
    }

    if (ctx.canWrite) {
      ws.bindWriteForm(form, {
        extra: function () {
          return { epidemic_ended_on: form.querySelector('[name="epidemic_ended_on"]').value || null,
            retention_days: parseInt(form.querySelector('[name="retention_days"]').value, 10) };
        },
        send: function (data, key) { return ws.api("PUT", "/admin/privacy-policy", data, key); },
        done: function (p) { show(p); ws.message(form, "ok", TEXT.saved); }
      });
    }

    var r = await ws.api("GET", "/admin/privacy-policy");
    if (r.ok) show(r.body);
    else shown.appendChild(ws.el("p", "ws-staff__notice", ws.problemText(r.body)));
  }

  if (window.wsStaff) window.wsStaff.register(KIND, bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push([KIND, bind]);
})();
