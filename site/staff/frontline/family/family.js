/*
 * family.js: one frontline person at a time (site/staff/frontline/family/). A hospital union
 * registers a member of staff by form (the archive page imports many by xlsx) and lists the unit's
 * families, each linking to its own card (?family=<id>): a summary, the family members (imported
 * ones too) to see and add, a support request filed on the family's behalf, the weekly food
 * package (only what its sign-up's state allows: sign up; change and pause; resume), and the
 * family's history (contact logs, contact persons).
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var KIND = "frontline/family";
  var TEXT = {
    none: "这个单位还没有登记一线人员。",
    back: "返回家庭列表",
    noLogs: "还没有联系记录。",
    noMembers: "还没有登记家属。",
    registered: "已登记：{n}。可在下面登记家属。",
    memberAdded: "已登记家属：{n}",
    memberEdited: "已保存：{n}",
    edit: "修改",
    raised: "求助已提交，查询编号 {n}，已记入这户家庭的联系记录。",
    signedUp: "已登记爱心蔬菜：{n}",
    paused: "爱心蔬菜：{n}",
    noCampaign: "目前没有进行中的爱心蔬菜配送活动。",
    notSignedUp: "{n}：这户家庭还没有登记。",
    signedUpState: "{n}：",
    noHistory: "还没有指定过一对一联系人。",
    from: "{n} 起"
  };

  // The forms the food-package sign-up's state offers: its own sign-up (none yet), a change of
  // address and time and a pause (active), a resume (paused).
  var DELIVERY = {
    signup: { title: "登记每周爱心蔬菜", note: "登记后每周自动配送，无需每周重填。", submit: "登记爱心蔬菜" },
    change: { title: "修改配送地址和时段", note: "保存后从下一次生成名单起按新的地址和时段配送。", submit: "保存修改" },
    pause: { title: "暂停配送", note: "家庭外出、住院或暂时不需要时暂停，从下一次生成名单起不再配送。", submit: "暂停配送" },
    resume: { title: "恢复配送", note: "配送已暂停；恢复后照原地址和时段继续。", submit: "恢复配送" }
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, KIND);
    if (!ctx) return;
    var el = ws.el, body = ctx.body, me = ctx.me;
    var select = body.querySelector("#ff-unit");
    var list = body.querySelector('[data-role="families"]');
    var card = body.querySelector('[data-role="card"]');
    var part = function (role) { return card.querySelector('[data-role="' + role + '"]'); };
    var units = {};
    var current = me.unit_id;
    var family = null;

    function showUnitName() {
      Array.prototype.forEach.call(body.querySelectorAll('[data-role="unit-name"]'), function (n) {
        n.textContent = units[current] ? units[current].name : current;
      });
    }

    // The unit's families (list view) and one family's card (detail view) each have an address: this
    // page with ?unit=<unit> (when not the person's own) and ?family=<id> (wsStaff.route). The list
    // is loaded again only when its unit differs from the one it shows (coming back keeps its pages).
    var listed = null;

    function familyRow(p) {
      return ws.recordRow(p.name, { family: p.id }, p, [["科室 / 岗位", p.department + " / " + p.role],
        ["一线岗位", p.deployment_label], ["手机号码", p.phone], ["一对一联系人", p.contact_person_name || "尚未配备"]]);
    }

    function loadFamilies() {
      listed = current;
      var unit = current;
      return ws.pagedList(list, function (cursor) {
        return ws.api("GET", "/staff/frontline/units/" + encodeURIComponent(unit) + "/personnel" +
          (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      }, familyRow, TEXT.none);
    }

    async function openFamily(id) {
      var r = await ws.api("GET", "/staff/frontline/families/" + encodeURIComponent(id));
      var facts = part("facts");
      if (!r.ok || !r.body) {
        family = null;
        facts.textContent = "";
        facts.appendChild(el("p", "ws-staff__empty", ws.problemText(r.body)));
        ["members", "logs", "contact-history", "delivery-state"].forEach(function (role) { part(role).textContent = ""; });
        signupForm.hidden = pauseForm.hidden = true;
        return;
      }
      show(r.body);
      delivery(id);
      contactLogs(part("logs"), ws, id);
      contactHistory(part("contact-history"), ws, id);
    }

    async function draw(params) {
      var unit = params.get("unit");
      current = unit && units[unit] ? unit : me.unit_id;
      select.value = current;
      showUnitName();
      var id = params.get("family") || "";
      var back = part("back");
      back.textContent = "";
      back.appendChild(ws.route.back(TEXT.back, { family: null }));
      ws.route.view(box, !!id);
      if (id) await openFamily(id);
      else if (listed !== current) await loadFamilies();
    }

    function goTo(familyId) {
      return ws.route.go({ unit: current === me.unit_id ? null : current, family: familyId || null });
    }

    function show(d) {
      family = d;
      var facts = part("facts");
      facts.textContent = "";
      var summary = ws.summaryCard("家庭卡：" + d.name, d.deployment_label, [["单位", d.unit_name],
        ["科室", d.department], ["职务或岗位", d.role], ["手机号码", d.phone],
        ["一线工作", d.period_start + (d.period_end ? " 至 " + d.period_end : " 起")],
        ["一对一联系人", d.contact_person_name || "尚未配备"], ["家属", d.members.length + " 人"], ["家庭编号", d.id]], d);
      var title = summary.querySelector("h2");
      title.setAttribute("data-role", "card-title");
      title.tabIndex = -1;
      facts.appendChild(summary);
      var members = part("members");
      if (editMember) editMember.close();  // the form may sit inside a member about to be redrawn
      members.textContent = "";
      if (!d.members.length) { members.appendChild(el("p", "ws-staff__empty", TEXT.noMembers)); return; }
      var ul = el("ul", "ws-records");
      d.members.forEach(function (m) {
        var li = el("li", "ws-record");
        li.appendChild(el("h4", "ws-record__title", m.name + "（" + m.relation + "）"));
        li.appendChild(ws.facts([["年龄", m.age == null ? null : m.age + " 岁"], ["需要的照顾", m.needs],
          ["居住地址", m.address]]));
        if (editMember) editMember.offer(li, m);
        ul.appendChild(li);
      });
      members.appendChild(ul);
    }

    // The family's food-package sign-up and the forms its state offers (write roles only).
    var signupForm = card.querySelector("#ff-signup");
    var pauseForm = card.querySelector("#ff-pause");
    function offer(form, text) {
      ["title", "note", "submit"].forEach(function (k) {
        form.querySelector('[data-role$="-' + k + '"]').textContent = text[k];
      });
      form.hidden = false;
    }
    async function delivery(id) {
      var state = part("delivery-state");
      state.textContent = "";
      signupForm.hidden = pauseForm.hidden = true;
      var r = await ws.api("GET", "/staff/delivery/families/" + encodeURIComponent(id) + "/signup");
      if (!family || family.id !== id) return;  // another family was opened meanwhile
      if (!r.ok || !r.body) { state.textContent = ws.problemText(r.body); return; }
      var d = r.body, s = d.signup, actions = d.actions || [];
      if (!d.campaign_id) { state.textContent = TEXT.noCampaign; return; }
      state.textContent = s ? fmt(TEXT.signedUpState, d.campaign_name) + s.status_label + "（" + s.window_label +
        "，从第 " + s.from_week + " 周起）" : fmt(TEXT.notSignedUp, d.campaign_name);
      if (!ctx.canWrite) return;
      if (!s) offer(signupForm, DELIVERY.signup);
      else if (actions.indexOf("pause") >= 0) offer(signupForm, DELIVERY.change);
      if (actions.length) {
        pauseForm.dataset.action = actions[0];
        offer(pauseForm, DELIVERY[actions[0]]);
      }
    }

    var editMember = ctx.canWrite ? memberEditor(card, ws, function () { return family; }, function (m) {
      openFamily(family.id).then(function () { ws.message(card.querySelector("#ff-member"), "ok", fmt(TEXT.memberEdited, m.name)); });
    }) : null;

    select.addEventListener("change", function () {
      current = select.value;
      goTo(null);
    });

    if (ctx.canWrite) {
      var personForm = body.querySelector("#ff-person");
      ws.bindWriteForm(personForm, {
        send: function (data, key) {
          return ws.api("POST", "/staff/frontline/units/" + encodeURIComponent(current) + "/personnel", data, key);
        },
        done: function (p) {
          listed = null;  // the new person joins the list
          personForm.reset();
          goTo(p.id).then(function () {  // the new family's card, saying so above its members form
            ws.message(card.querySelector("#ff-member"), "ok", fmt(TEXT.registered, p.name));
          });
        }
      });
      var memberForm = card.querySelector("#ff-member");
      ws.bindWriteForm(memberForm, {
        extra: function () { return { age: parseInt(memberForm.querySelector('[name="age"]').value, 10) }; },
        send: function (data, key) {
          return ws.api("POST", "/staff/frontline/families/" + encodeURIComponent(family.id) + "/members", data, key);
        },
        done: function (m) { ws.message(memberForm, "ok", fmt(TEXT.memberAdded, m.name)); openFamily(family.id); }
      });
      var supportForm = card.querySelector("#ff-support");
      ws.bindWriteForm(supportForm, {
        send: function (data, key) {
          return ws.api("POST", "/staff/frontline/families/" + encodeURIComponent(family.id) + "/support-requests",
            data, key);
        },
        done: function (r) { ws.message(supportForm, "ok", fmt(TEXT.raised, r.reference), [r.unit_name + "办理"]); }
      });
      ws.bindWriteForm(pauseForm, {
        extra: function () { return { action: pauseForm.dataset.action }; },
        send: function (data, key) {
          return ws.api("POST", "/staff/delivery/families/" + encodeURIComponent(family.id) + "/pause", data, key);
        },
        done: function (r) {
          delivery(family.id).then(function () { ws.message(pauseForm, "ok", fmt(TEXT.paused, r.status_label)); });
        }
      });
      ws.bindWriteForm(signupForm, {
        send: function (data, key) {
          return ws.api("POST", "/staff/delivery/families/" + encodeURIComponent(family.id) + "/signup", data, key);
        },
        done: function (r) {
          delivery(family.id).then(function () {
            ws.message(signupForm, "ok", fmt(TEXT.signedUp, r.status_label), [r.window_label + "，从第 " + r.from_week + " 周起"]);
          });
        }
      });
    }

    units = (await ws.fillUnits(select, me, body.querySelector('[data-role="units-status"]'), me.unit_id)) || {};
    await ws.route.follow(box, draw);
  }

  // What the family's contact persons recorded of each contact, newest first.
  async function contactLogs(holder, ws, id) {
    holder.textContent = "";
    var r = await ws.api("GET", "/staff/frontline/families/" + encodeURIComponent(id) + "/logs");
    if (!r.ok || !r.body) { holder.appendChild(ws.el("p", "ws-staff__empty", ws.problemText(r.body))); return; }
    if (!r.body.items.length) { holder.appendChild(ws.el("p", "ws-staff__empty", TEXT.noLogs)); return; }
    var kinds = ws.labels("logKinds");
    var entries = r.body.items.slice().sort(function (a, b) { return a.at < b.at ? 1 : -1; })
      .map(function (x) { return Object.assign({ actor_name: x.by_name || x.by }, x); });
    holder.appendChild(ws.historyList(entries, function (x) {
      return (kinds[x.kind] || x.kind) + "：" + x.notes + (x.needs ? "；需求：" + x.needs : "") +
        (x.support_reference ? "；求助 " + x.support_reference : "");
    }));
  }

  // Who has been the family's contact person, since when, and who named them (newest first).
  async function contactHistory(holder, ws, id) {
    holder.textContent = "";
    var r = await ws.api("GET", "/staff/frontline/families/" + encodeURIComponent(id) + "/contact-history");
    if (!r.ok || !r.body) { holder.appendChild(ws.el("p", "ws-staff__empty", ws.problemText(r.body))); return; }
    if (!r.body.items.length) { holder.appendChild(ws.el("p", "ws-staff__empty", TEXT.noHistory)); return; }
    var ul = ws.el("ul", "ws-records");
    r.body.items.slice().sort(function (a, b) { return a.from_at < b.from_at ? 1 : -1; }).forEach(function (h) {
      var li = ws.el("li", "ws-record");
      li.appendChild(ws.el("p", "ws-record__title", h.name + "　" + fmt(TEXT.from, ws.shanghai(h.from_at))));
      li.appendChild(ws.facts([["指定人", h.by_name || h.by], ["原因", h.reason]]));
      ul.appendChild(li);
    });
    holder.appendChild(ul);
  }

  // A member's details put right in place: "修改" under each member moves the one edit form there,
  // filled with what is registered; saving replaces the member's record (PUT) and reopens the card.
  function memberEditor(card, ws, currentFamily, saved) {
    var form = card.querySelector("#ff-member-edit");
    var home = form.parentNode, anchor = form.nextSibling;
    var member = null;
    function close() {
      form.hidden = true;
      member = null;
      if (form.parentNode !== home) home.insertBefore(form, anchor);
    }
    form.querySelector('[data-role="edit-cancel"]').addEventListener("click", close);
    ws.bindWriteForm(form, {
      extra: function () { return { age: parseInt(form.querySelector('[name="age"]').value, 10) }; },
      send: function (data, key) {
        return ws.api("PUT", "/staff/frontline/families/" + encodeURIComponent(currentFamily().id) + "/members/" +
          encodeURIComponent(member.id), data, key);
      },
      done: function (m) { close(); saved(m); }
    });
    function offer(li, m) {
      var actions = ws.el("div", "ws-record__actions");
      var b = ws.button(TEXT.edit, "ws-button ws-button--plain");
      b.setAttribute("aria-label", TEXT.edit + "：" + m.name);
      b.addEventListener("click", function () {
        member = m;
        ["name", "relation", "needs", "address"].forEach(function (f) { form.querySelector('[name="' + f + '"]').value = m[f] || ""; });
        form.querySelector('[name="age"]').value = m.age == null ? "" : String(m.age);
        li.appendChild(form);
        form.hidden = false;
        form.querySelector('[data-role="edit-title"]').textContent = "修改家属信息：" + m.name;
        form.querySelector('[name="name"]').focus();
      });
      actions.appendChild(b);
      li.appendChild(actions);
    }
    return { offer: offer, close: close };
  }

  if (window.wsStaff) window.wsStaff.register(KIND, bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push([KIND, bind]);
})();
