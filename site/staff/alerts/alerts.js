/*
 * alerts.js: the workbench page where a unit admin sets where the unit's staff alerts go
 * (site/staff/alerts/): its 企业微信 or 钉钉 group robot, whose address and secret are sent once
 * and never shown again, and optional staff phones for text alerts.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  async function bind(box) {
    var ws = window.wsStaff;
    var ctx = await ws.adminPage(box, "alerts");
    if (!ctx) return;
    var body = ctx.body;
    var select = body.querySelector("#al-unit");
    var currentBox = body.querySelector('[data-role="current"]');
    var current = ctx.me.unit_id;

    function unit() { return encodeURIComponent(current); }

    function show(a) {
      currentBox.textContent = "";
      var facts = [["单位", a.unit_name],
        ["群机器人", a.webhook ? a.webhook.kind_label + "，已设置（" + ws.shanghai(a.webhook.set_at) + "，" + a.webhook.set_by + "）" : "未设置"],
        ["提醒短信", a.phones.length ? a.phones.join("、") : "未设置"]];
      currentBox.appendChild(ws.facts(facts));
      if (a.webhook && ctx.canWrite) {
        ws.confirmAction(currentBox, "删除群机器人", "确定删除本单位的群机器人？删除后新求助和逾期汇总不再发到群里。",
          async function (key) {
            var r = await ws.api("POST", "/admin/units/" + unit() + "/alerts/webhook/remove", null, key);
            if (r.ok) show(r.body);
            return r;
          });
      }
    }

    async function load() {
      currentBox.textContent = ws.MSG.loading;
      var r = await ws.api("GET", "/admin/units/" + unit() + "/alerts");
      if (r.ok) show(r.body); else currentBox.textContent = ws.problemText(r.body);
    }

    var hook = body.querySelector("#al-webhook");
    ws.bindWriteForm(hook, {
      send: function (data, key) {
        var payload = { kind: data.kind, url: data.url };
        if (data.secret) payload.secret = data.secret;
        return ws.api("PUT", "/admin/units/" + unit() + "/alerts/webhook", payload, key);
      },
      done: function (a) { ws.message(hook, "ok", "群机器人已保存。地址和密钥不再显示。"); show(a); }
    });
    var phones = body.querySelector("#al-phones");
    ws.bindWriteForm(phones, {
      send: function (data, key) {
        var list = String(data.phones || "").split(/[\s,，、;；]+/).filter(Boolean);
        return ws.api("PUT", "/admin/units/" + unit() + "/alerts/phones", { phones: list }, key);
      },
      done: function (a) { ws.message(phones, "ok", "已保存。"); show(a); }
    });

    var found = await ws.fillUnits(select, ctx.me, body.querySelector('[data-role="units-status"]'), current);
    if (found) current = select.value;
    select.addEventListener("change", function () { current = select.value; load(); });
    await load();
  }

  if (window.wsStaff) window.wsStaff.register("alerts", bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push(["alerts", bind]);
})();
