/*
 * cover.js: illness and accident cover for frontline medical staff and their families
 * (site/staff/frontline/cover/, notice part 3.6). A hospital union picks a family from its
 * archive and the person to insure (the staff member or a registered family member), enrols them,
 * sees the unit's list and downloads it as xlsx for the insurer.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var KIND = "frontline/cover";
  var KINDS = { major_illness: "重大疾病", accident: "意外伤害" };
  var TEXT = {
    empty: "这个单位还没有人登记参保。",
    notHospital: "参保名单按一线人员所在的医院分别列出：请在上面选择医院工会。",
    noFamilies: "这个单位及下级单位的档案里还没有一线人员，请先在“一线医务人员档案”页登记或从 Excel 导入。",
    pickFamily: "请选择一线人员家庭",
    pickWho: "请先选择一线人员家庭",
    self: "一线人员本人：{n}",
    enrolled: "已登记：{n}",
    exporting: "正在生成参保名单…",
    exported: "已下载：{n}",
    claim: "申请理赔",
    claimed: "理赔申请已提交，查询编号 {n}。"
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }
  function kindsText(kinds) {
    return Object.keys(KINDS).filter(function (k) { return kinds.indexOf(k) >= 0; })
      .map(function (k) { return KINDS[k]; }).join("、");
  }

  function save(file) { window.wsStaff.download(file); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, KIND);
    if (!ctx) return;
    var el = ws.el, body = ctx.body, me = ctx.me;
    var select = body.querySelector("#cv-unit");
    var listBox = body.querySelector('[data-role="list"]');
    var familySel = body.querySelector("#cv-family");
    var whoSel = body.querySelector("#cv-who");
    var exportStatus = body.querySelector('[data-role="export-status"]');
    var units = {};
    var current = me.unit_id;

    function showUnitName() {
      Array.prototype.forEach.call(body.querySelectorAll('[data-role="unit-name"]'), function (n) {
        n.textContent = units[current] ? units[current].name : current;
      });
    }

    function renderCover(c) {
      var li = el("li", "ws-record");
      var title = li.appendChild(el("h3", "ws-record__title", c.name + "（" + c.relation + "）"));
      ws.demoBadge(title, c);
      li.appendChild(ws.facts([["保障项目", kindsText(c.kinds)],
        ["登记时间", ws.shanghai(c.enrolled_at)]]));
      if (claims) claims.offer(li, c);
      return li;
    }

    function loadList() {
      var unit = current;
      return ws.pagedList(listBox, function (cursor) {
        return ws.api("GET", "/staff/frontline/units/" + encodeURIComponent(unit) + "/cover" +
          (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      }, renderCover, units[unit] && units[unit].kind !== "hospital_union" ? TEXT.notHospital : TEXT.empty);
    }

    function option(parent, value, text) {
      var o = el("option", null, text);
      o.value = value;
      parent.appendChild(o);
    }

    async function loadFamilies() {
      if (!ctx.canWrite) return;
      await ws.fillFamilies(familySel, current, TEXT.pickFamily, TEXT.noFamilies,
        body.querySelector('[data-role="family-hint"]'));
      loadMembers();
    }

    async function loadMembers() {
      whoSel.textContent = "";
      if (!familySel.value) {
        option(whoSel, "", TEXT.pickWho);
        return;
      }
      var r = await ws.api("GET", "/staff/frontline/families/" + encodeURIComponent(familySel.value));
      if (!r.ok || !r.body) return;
      whoSel.textContent = "";
      option(whoSel, "SELF", fmt(TEXT.self, r.body.name));
      (r.body.members || []).forEach(function (m) { option(whoSel, m.id, m.name + "（" + m.relation + "）"); });
    }

    var claims = ctx.canWrite ? claimForm(body, ws) : null;

    familySel.addEventListener("change", loadMembers);
    select.addEventListener("change", function () {
      current = select.value;
      showUnitName();
      loadList();
      loadFamilies();
    });

    var form = body.querySelector("#cv-enrol");
    if (ctx.canWrite) {
      ws.bindWriteForm(form, {
        send: function (data, key) {
          return ws.api("POST", "/staff/frontline/families/" + encodeURIComponent(data.family) + "/cover",
            { who: data.who, kinds: data.kinds }, key);
        },
        done: function (c) {
          ws.message(form, "ok", fmt(TEXT.enrolled, c.name + "（" + c.relation + "）：" + kindsText(c.kinds)));
          loadList();
        }
      });
    }

    body.querySelector('[data-action="export"]').addEventListener("click", async function (event) {
      var b = event.currentTarget;
      b.disabled = true;
      exportStatus.textContent = TEXT.exporting;
      try {
        var r = await ws.api("GET", "/staff/frontline/units/" + encodeURIComponent(current) + "/cover/export");
        if (r.ok && r.body && r.body.content_base64) {
          save(r.body);
          exportStatus.textContent = fmt(TEXT.exported, r.body.filename);
        } else {
          exportStatus.textContent = (r.body && r.body.title) || ws.MSG.server;
        }
      } catch (e) {
        if (!e || !e.signedOut) exportStatus.textContent = ws.MSG.network;
      }
      b.disabled = false;
    });

    units = (await ws.fillUnits(select, me, body.querySelector('[data-role="units-status"]'), me.unit_id)) || {};
    current = (await ws.pickHospital(select, me.unit_id)) || me.unit_id;
    showUnitName();
    await Promise.all([loadList(), loadFamilies()]);
  }

  // A claim on an enrolment: "申请理赔" under an insured person opens the claim form for them, with
  // the kinds they are covered for; it is filed as a support request the union handles.
  function claimForm(body, ws) {
    var panel = body.querySelector('[data-role="claim"]');
    var form = panel.querySelector("#cv-claim");
    var kind = form.querySelector('[name="kind"]');
    var cover = null;
    panel.querySelector('[data-role="claim-cancel"]').addEventListener("click", function () { panel.hidden = true; });
    ws.bindWriteForm(form, {
      extra: function () { return { who: cover.who }; },
      send: function (data, key) {
        return ws.api("POST", "/staff/frontline/families/" + encodeURIComponent(cover.person_id) + "/claims", data, key);
      },
      done: function (c) { ws.message(form, "ok", fmt(TEXT.claimed, c.reference)); }
    });
    function offer(li, c) {
      var actions = ws.el("div", "ws-record__actions");
      var b = ws.button(TEXT.claim, "ws-button ws-button--plain");
      b.setAttribute("aria-label", TEXT.claim + "：" + c.name);
      b.addEventListener("click", function () {
        cover = c;
        kind.textContent = "";
        Object.keys(KINDS).filter(function (k) { return c.kinds.indexOf(k) >= 0; }).forEach(function (k) {
          var o = ws.el("option", null, KINDS[k]);
          o.value = k;
          kind.appendChild(o);
        });
        panel.querySelector('[data-role="claim-title"]').textContent = TEXT.claim + "：" + c.name + "（" + c.relation + "）";
        panel.hidden = false;
        panel.querySelector('[data-role="claim-title"]').focus();
      });
      actions.appendChild(b);
      li.appendChild(actions);
    }
    return { offer: offer };
  }

  if (window.wsStaff) window.wsStaff.register(KIND, bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push([KIND, bind]);
})();
