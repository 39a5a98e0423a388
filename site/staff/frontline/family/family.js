/*
 * family.js: one frontline person at a time (site/staff/frontline/family/). A hospital union
 * registers a member of staff by form (the archive page imports many by xlsx), opens a family's
 * card, picked by name from its archive, sees and adds the family members (imported ones too),
 * files a support request on the family's behalf and signs it up for the weekly food package.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var KIND = "frontline/family";
  var TEXT = {
    pick: "请选择一户家庭",
    none: "这个单位还没有登记一线人员。",
    noMembers: "还没有登记家属。",
    registered: "已登记：{n}。可在下面打开家庭卡登记家属。",
    memberAdded: "已登记家属：{n}",
    memberEdited: "已保存：{n}",
    edit: "修改",
    raised: "求助已提交，查询编号 {n}，已记入这户家庭的联系记录。",
    signedUp: "已登记爱心蔬菜：{n}",
    paused: "爱心蔬菜：{n}",
    noHistory: "还没有指定过一对一联系人。",
    from: "{n} 起"
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, KIND);
    if (!ctx) return;
    var el = ws.el, body = ctx.body, me = ctx.me;
    var select = body.querySelector("#ff-unit");
    var familySel = body.querySelector("#ff-family");
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

    // A family's card has an address: this page with ?family=<id>, after ?unit=<unit> of the list it
    // was picked from (wsStaff.route); the page draws the unit's list and the card from it.
    var listed = null;  // the unit whose families the picker holds

    async function loadFamilies() {
      listed = current;
      await ws.fillFamilies(familySel, current, TEXT.pick, TEXT.none);
    }

    async function openFamily(id) {
      if (!id) { card.hidden = true; return; }
      var r = await ws.api("GET", "/staff/frontline/families/" + encodeURIComponent(id));
      if (!r.ok || !r.body) {
        card.hidden = true;
        body.querySelector('[data-role="units-status"]').textContent = ws.problemText(r.body);
        return;
      }
      show(r.body);
      contactHistory(part("contact-history"), ws, id);
    }

    async function draw(params) {
      var unit = params.get("unit");
      current = unit && units[unit] ? unit : me.unit_id;
      select.value = current;
      showUnitName();
      if (listed !== current) await loadFamilies();
      var id = params.get("family") || "";
      familySel.value = id;
      await openFamily(id);
      if (id && !card.hidden) card.scrollIntoView();  // the card, not the registration form above it
    }

    function goTo(familyId) {
      ws.route.go({ unit: current === me.unit_id ? null : current, family: familyId || null });
    }

    function show(d) {
      family = d;
      card.hidden = false;
      part("card-title").textContent = "家庭卡：" + d.name;
      var facts = part("facts");
      facts.textContent = "";
      facts.appendChild(ws.facts([["单位", d.unit_name], ["科室", d.department], ["职务或岗位", d.role],
        ["一线岗位", d.deployment_label], ["手机号码", d.phone], ["一对一联系人", d.contact_person_name || "尚未配备"],
        ["家庭编号", d.id]]));
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

    var editMember = ctx.canWrite ? memberEditor(card, ws, function () { return family; }, function (m) {
      openFamily(family.id).then(function () { ws.message(card.querySelector("#ff-member"), "ok", fmt(TEXT.memberEdited, m.name)); });
    }) : null;

    familySel.addEventListener("change", function () { goTo(familySel.value); });
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
          ws.message(personForm, "ok", fmt(TEXT.registered, p.name));
          listed = null;  // the new person joins the picker
          goTo(p.id);
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
      var pauseForm = card.querySelector("#ff-pause");
      ws.bindWriteForm(pauseForm, {
        send: function (data, key) {
          return ws.api("POST", "/staff/delivery/families/" + encodeURIComponent(family.id) + "/pause", data, key);
        },
        done: function (r) { ws.message(pauseForm, "ok", fmt(TEXT.paused, r.status_label)); }
      });
      var signupForm = card.querySelector("#ff-signup");
      ws.bindWriteForm(signupForm, {
        send: function (data, key) {
          return ws.api("POST", "/staff/delivery/families/" + encodeURIComponent(family.id) + "/signup", data, key);
        },
        done: function (r) {
          ws.message(signupForm, "ok", fmt(TEXT.signedUp, r.status_label), [r.window_label + "，从第 " + r.from_week + " 周起"]);
        }
      });
    }

    units = (await ws.fillUnits(select, me, body.querySelector('[data-role="units-status"]'), me.unit_id)) || {};
    await ws.route.follow(box, draw);
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
