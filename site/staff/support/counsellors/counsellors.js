/*
 * counsellors.js: the city's counsellor pool (site/staff/support/counsellors/). The city
 * federation adds counsellors, pauses and resumes their intake, and takes an idle one out of the
 * pool; caseworkers see who is on duty and how many cases each has open.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var KIND = "support/counsellors";
  var TEXT = {
    empty: "咨询师库里还没有人。请添加心理咨询师，经办人才能指派心理咨询求助。",
    onDuty: "在岗",
    paused: "暂停接案",
    pause: "暂停接案",
    resume: "恢复接案",
    remove: "移出咨询师库",
    confirmRemove: "确定把 {n} 移出咨询师库？其工作人员账号不受影响。",
    added: "已添加：{n}",
    pausedNote: "{n} 已暂停接案，不会再被指派新的求助。",
    resumed: "{n} 已恢复接案。",
    removed: "已移出咨询师库。"
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, KIND);
    if (!ctx) return;
    var el = ws.el, body = ctx.body;
    var listBox = body.querySelector('[data-role="list"]');
    var status = body.querySelector('[data-role="status"]');

    // Pause or resume: the profile is saved again with `active` changed.
    function toggle(c) {
      var b = ws.button(c.active ? TEXT.pause : TEXT.resume, "ws-button ws-button--plain");
      var key = ws.uuid();
      b.addEventListener("click", async function () {
        b.disabled = true;
        var r;
        try {
          r = await ws.api("POST", "/staff/support/counsellors", { username: c.username, name: c.name,
            qualification: c.qualification, availability: c.availability, active: !c.active }, key);
        } catch (e) { b.disabled = false; if (!e || !e.signedOut) status.textContent = ws.MSG.network; return; }
        b.disabled = false;
        if (!r.ok) { key = ws.uuid(); status.textContent = (r.body && r.body.title) || ws.MSG.server; return; }
        status.textContent = fmt(c.active ? TEXT.pausedNote : TEXT.resumed, c.name);
        load();
      });
      return b;
    }

    function render(c) {
      var li = el("li", "ws-record" + (c.active ? "" : " ws-record--off"));
      li.appendChild(el("h3", "ws-record__title", c.name));
      li.appendChild(ws.facts([["状态", c.active ? TEXT.onDuty : TEXT.paused], ["资质", c.qualification],
        ["可接待时间", c.availability], ["在办求助", c.open_cases + " 件"], ["登录名", c.username]]));
      if (ctx.canWrite) {
        var actions = el("div", "ws-record__actions");
        actions.appendChild(toggle(c));
        ws.confirmAction(actions, TEXT.remove, fmt(TEXT.confirmRemove, c.name), async function (key) {
          var r = await ws.api("POST", "/staff/support/counsellors/" + encodeURIComponent(c.username) + "/remove",
            undefined, key);
          if (r.ok) { status.textContent = TEXT.removed; show(r.body.items); }
          return r;
        });
        li.appendChild(actions);
      }
      return li;
    }

    function show(items) {
      return ws.pagedList(listBox, function () {
        return Promise.resolve({ ok: true, status: 200, body: { items: items } });
      }, render, TEXT.empty);
    }

    function load() {
      return ws.pagedList(listBox, function () { return ws.api("GET", "/staff/support/counsellors"); }, render,
        TEXT.empty);
    }

    if (ctx.canWrite) {
      var form = body.querySelector("#cs-new");
      ws.bindWriteForm(form, {
        extra: function () { return { active: true }; },
        send: function (data, key) { return ws.api("POST", "/staff/support/counsellors", data, key); },
        done: function (c) { ws.message(form, "ok", fmt(TEXT.added, c.name)); load(); }
      });
    }
    await load();
  }

  if (window.wsStaff) window.wsStaff.register(KIND, bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push([KIND, bind]);
})();
