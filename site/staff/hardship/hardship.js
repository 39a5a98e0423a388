/*
 * hardship.js: the register of hardship workers (site/staff/hardship/, notice part 2.4). A unit's
 * managers register workers from an xlsx sheet (all rows good or none; row errors listed); the
 * unit's staff and contact persons record each visit (the family's situation and precautions)
 * and the protective supplies given, each linked to the supply purchase in the fund's ledger.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var MANAGERS = ["city_admin", "unit_admin", "caseworker"];
  var VISITORS = MANAGERS.concat(["contact_person"]);
  var LEDGER_READERS = ["city_admin", "unit_admin", "finance", "auditor"];
  var MAX_FILE_BYTES = 44 * 1024;  // the API takes up to 60 000 base64 characters
  var TEXT = {
    empty: "这个单位还没有在档的困难职工。",
    noChecks: "还没有走访记录。",
    noSupplies: "还没有赠送记录。",
    weak: "自身防控能力较弱",
    imported: "已登记 {n} 人。",
    registered: "已登记：{n}。可以在下面的名册中打开记录走访。",
    importRead: "正在读取文件…",
    noFile: "请先选择 xlsx 文件",
    notXlsx: "只能上传 xlsx 格式的表格（Excel 2007 及以后版本）",
    tooBig: "文件太大：一次最多 500 行，请去掉空白行和图片后再上传，或分成几个文件",
    checkSaved: "走访记录已保存。",
    supplySaved: "赠送记录已保存。",
    noEntries: "本单位明细账里还没有防疫物资采购支出，请先由财务在“防控专项资金”页面记录采购，再记录赠送。",
    pickEntry: "请选择一笔采购",
    noContact: "（暂不指定）",
    noContacts: "（这个单位还没有可以走访的工作人员，可以先不指定）",
    contactsFailed: "（联系人列表没有读到，可以先不指定，或刷新页面再试）"
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }
  function who(actor) { return window.wsStaff.actorLabel(actor); }
  function has(roles, wanted) { return roles.some(function (r) { return wanted.indexOf(r) >= 0; }); }

  function readBase64(file) { return window.wsStaff.readBase64(file); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, "hardship");
    if (!ctx) return;
    var el = ws.el, body = ctx.body, me = ctx.me;
    var canVisit = has(me.roles, VISITORS);
    var select = body.querySelector("#hs-unit");
    var listBox = body.querySelector('[data-role="list"]');
    var panel = body.querySelector('[data-role="detail"]');
    var part = function (role) { return panel.querySelector('[data-role="' + role + '"]'); };
    var units = {};
    var current = me.unit_id;
    var worker = null;
    Array.prototype.forEach.call(body.querySelectorAll('[data-needs="visit"]'), function (n) { n.hidden = !canVisit; });

    function unitName(id) { return units[id] ? units[id].name : id; }

    function showUnitName() {
      Array.prototype.forEach.call(body.querySelectorAll('[data-role="unit-name"]'), function (n) {
        n.textContent = unitName(current);
      });
    }

    function renderWorker(w) {
      return ws.recordRow(w.name, { worker: w.worker_id }, w, [["档案编号", w.worker_id], ["单位", unitName(w.unit_id)], ["手机号码", w.phone],
        ["困难情况", w.hardship], ["联系人", w.contact_name], ["最近走访", w.last_check_at ? ws.shanghai(w.last_check_at) : "尚未走访"],
        ["赠送防护用品", w.supplies_given + " 次"]]);
    }

    var listed = null;  // the unit the list shows
    function loadList() {
      var unit = current;
      listed = unit;
      return ws.pagedList(listBox, function (cursor) {
        return ws.api("GET", "/hardship/units/" + encodeURIComponent(unit) + "/workers" +
          (cursor ? "?cursor=" + encodeURIComponent(cursor) : ""));
      }, renderWorker, TEXT.empty);
    }

    // A worker's address: this page with ?worker=<id> (after ?unit=<unit> of the list).
    async function openWorker(id) {
      var r = await ws.api("GET", "/hardship/workers/" + encodeURIComponent(id));
      if (!r.ok) {
        worker = null;
        part("detail-title").textContent = ws.problemText(r.body);
        part("facts").textContent = part("checks").textContent = part("supplies").textContent = "";
        return;
      }
      show(r.body);
    }

    async function draw(params) {
      var unit = params.get("unit");
      current = unit && units[unit] ? unit : me.unit_id;
      select.value = current;
      showUnitName();
      var work = [];
      if (listed !== current) work.push(loadList(), loadEntries(), loadContacts());
      var id = params.get("worker");
      part("back").textContent = "";
      part("back").appendChild(ws.route.back("返回困难职工名册", { worker: null }));
      ws.route.view(body, !!id);
      if (id) work.push(openWorker(id));
      await Promise.all(work);
    }

    function show(d) {
      worker = d;
      part("detail-title").textContent = d.name;
      ws.demoBadge(part("detail-title"), d);
      var facts = part("facts");
      facts.textContent = "";
      facts.appendChild(ws.facts([["档案编号", d.worker_id], ["单位", unitName(d.unit_id)], ["身份证号", d.id_masked],
        ["手机号码", d.phone], ["困难情况", d.hardship], ["联系人", d.contact_name]]));
      var checks = part("checks");
      checks.textContent = "";
      if (!d.checks.length) checks.appendChild(el("p", "ws-staff__empty", TEXT.noChecks));
      else {
        var cl = el("ul", "ws-records");
        d.checks.slice().reverse().forEach(function (c) {
          var li = el("li", "ws-record");
          li.appendChild(el("p", "ws-record__title", ws.shanghai(c.at) + "　" + (c.by_name || who(c.by)) +
            (c.weak_protection ? "　（" + TEXT.weak + "）" : "")));
          li.appendChild(ws.facts([["家庭困难状况", c.situation], ["防控措施落实情况", c.precautions]]));
          cl.appendChild(li);
        });
        checks.appendChild(cl);
      }
      var supplies = part("supplies");
      supplies.textContent = "";
      if (!d.supplies.length) supplies.appendChild(el("p", "ws-staff__empty", TEXT.noSupplies));
      else {
        var sl = el("ul", "ws-records");
        d.supplies.slice().reverse().forEach(function (s) {
          var li = el("li", "ws-record");
          li.appendChild(el("p", "ws-record__title", s.items));
          li.appendChild(ws.facts([["时间", ws.shanghai(s.at)], ["记录人", s.by_name || who(s.by)],
            ["采购账目", s.category_label || "防疫物资采购"]]));
          if (has(me.roles, LEDGER_READERS)) purchase(li, ws, s.entry_id);
          sl.appendChild(li);
        });
        supplies.appendChild(sl);
      }
    }

    // The register form's contact is picked from the staff who may visit the unit's workers, by name.
    var contactPick = body.querySelector("#hs-contact");
    async function loadContacts() {
      if (!ctx.canWrite) return;
      var unit = current;
      var r;
      try {
        r = await ws.api("GET", "/hardship/units/" + encodeURIComponent(unit) + "/contacts");
      } catch (e) { r = { ok: false }; }
      if (unit !== current) return;  // another unit was chosen meanwhile
      var items = r.ok && r.body && Array.isArray(r.body.items) ? r.body.items : [];
      contactPick.textContent = "";
      var none = el("option", null, !r.ok ? TEXT.contactsFailed : items.length ? TEXT.noContact : TEXT.noContacts);
      none.value = "";
      contactPick.appendChild(none);
      items.forEach(function (c) {
        var o = el("option", null, c.unit_id === unit ? c.name : c.name + "（" + c.unit_name + "）");
        o.value = c.username;
        contactPick.appendChild(o);
      });
    }

    // Staff who read the ledger pick the purchase; the others type the number finance gives them.
    var pickField = panel.querySelector('[data-role="entry-pick"]');
    var typeField = panel.querySelector('[data-role="entry-type"]');
    var pick = panel.querySelector("#hs-entry-pick");
    var typed = panel.querySelector("#hs-entry");
    async function loadEntries() {
      if (!has(me.roles, LEDGER_READERS)) return;
      var r;
      try { r = await ws.api("GET", "/fund/units/" + encodeURIComponent(current) + "/ledger"); } catch (e) { return; }
      if (!r.ok || !r.body || !Array.isArray(r.body.items)) return;
      var spends = r.body.items.filter(function (e) {
        return e.kind === "spend" && !e.reversed_by && /^supplies_/.test(e.category || "");
      });
      pick.textContent = "";
      var first = el("option", null, spends.length ? TEXT.pickEntry : TEXT.noEntries);
      first.value = "";
      pick.appendChild(first);
      spends.forEach(function (e) {
        var o = el("option", null, ws.shanghai(e.at).slice(0, 10) + "　" + (e.category_label || "") + "　" +
          ws.yuan(e.amount_fen) + " 元" + (e.payee ? "　" + e.payee : ""));
        o.value = e.entry_id;
        pick.appendChild(o);
      });
      pickField.hidden = false;
      typeField.hidden = true;
      pick.required = true;
      pick.name = "entry_id";  // errors about entry_id are shown under the picker
      typed.disabled = true;
    }

    select.addEventListener("change", function () {
      ws.route.go({ unit: select.value === me.unit_id ? null : select.value, worker: null });
    });

    if (ctx.canWrite) bindRegister(body, ws, function () { return current; }, function (d) {
      loadList();
      show(d);
    });

    var importForm = body.querySelector("#hs-import");
    if (ctx.canWrite) {
      ws.bindWriteForm(importForm, {
        send: async function (data, key) {
          var file = importForm.querySelector('[name="file"]').files[0];
          var problem = !file ? TEXT.noFile : !/\.xlsx$/i.test(file.name) ? TEXT.notXlsx :
            file.size > MAX_FILE_BYTES ? TEXT.tooBig : "";
          if (problem) {
            return { ok: false, status: 400, body: { title: problem, errors: [{ field: "file", message: problem }] } };
          }
          ws.message(importForm, "info", TEXT.importRead);
          var content = await readBase64(file);
          return ws.api("POST", "/hardship/units/" + encodeURIComponent(current) + "/import",
            { content_base64: content }, key);
        },
        done: function (r) {
          ws.message(importForm, "ok", fmt(TEXT.imported, r.imported));
          listed = null;
          loadList();
        }
      });
    }

    if (canVisit) {
      var checkForm = panel.querySelector("#hs-check");
      ws.bindWriteForm(checkForm, {
        extra: function () {
          return { weak_protection: !!checkForm.querySelector('[name="weak_protection"]').checked };
        },
        send: function (data, key) {
          return ws.api("POST", "/hardship/workers/" + encodeURIComponent(worker.worker_id) + "/checks", data, key);
        },
        done: function (d) { show(d); ws.message(checkForm, "ok", TEXT.checkSaved); listed = null; }
      });
      var supplyForm = panel.querySelector("#hs-supply");
      ws.bindWriteForm(supplyForm, {
        send: function (data, key) {
          return ws.api("POST", "/hardship/workers/" + encodeURIComponent(worker.worker_id) + "/supplies", data, key);
        },
        done: function (d) { show(d); ws.message(supplyForm, "ok", TEXT.supplySaved); listed = null; }
      });
    }

    units = (await ws.fillUnits(select, me, body.querySelector('[data-role="units-status"]'), me.unit_id)) || {};
    await ws.route.follow(body, draw);
  }

  // The fund's entry the supplies came from, read on request by those who may read the ledger.
  function purchase(li, ws, entryId) {
    var b = ws.button("查看这笔采购", "ws-button ws-button--plain");
    var out = ws.el("div", "ws-record__more");
    b.addEventListener("click", async function () {
      var r = await ws.api("GET", "/fund/entries/" + encodeURIComponent(entryId));
      out.textContent = "";
      if (!r.ok || !r.body) { out.appendChild(ws.el("p", "ws-staff__empty", ws.problemText(r.body))); return; }
      var e = r.body;
      out.appendChild(ws.facts([["记账日期", ws.shanghai(e.at).slice(0, 10)], ["类别", e.category_label],
        ["金额", ws.yuan(e.amount_fen) + " 元"], ["收款方", e.payee], ["票据", e.receipt],
        ["记账人", e.entered_by_name || e.entered_by], ["已冲正", e.reversed_by ? "是" : null]]));
      b.hidden = true;
    });
    li.appendChild(b);
    li.appendChild(out);
  }

  // One worker registered by hand into the chosen unit; "no contact" is left out.
  function bindRegister(body, ws, unit, done) {
    var form = body.querySelector("#hs-register");
    ws.bindWriteForm(form, {
      extra: function () {
        return { contact: form.querySelector('[name="contact"]').value || undefined };
      },
      send: function (data, key) {
        return ws.api("POST", "/hardship/units/" + encodeURIComponent(unit()) + "/workers", data, key);
      },
      done: function (d) {
        ws.message(form, "ok", fmt(TEXT.registered, d.name));
        done(d);
      }
    });
  }

  if (window.wsStaff) window.wsStaff.register("hardship", bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push(["hardship", bind]);
})();
