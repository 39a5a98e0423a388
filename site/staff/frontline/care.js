/*
 * care.js: the workbench pages of the care for frontline medical staff (notice part 3):
 *   site/staff/frontline/              archive with counts per unit, xlsx import with its row-by-row
 *                                      error report, contact persons, assignment and coverage;
 *   site/staff/frontline/my-families/  a contact person's own families: contact log, deliveries;
 *   site/staff/delivery/               the food-package campaign, roster generation, rosters and
 *                                      the supplier lists per county.
 * A page holds <div class="ws-care" data-ws-care="archive|mine|delivery" data-root="<site/staff/>">.
 * Like site/staff/fund/fund.js it uses the session staff.js keeps in sessionStorage
 * (ws.staff.session): every call sends Authorization: Bearer <IdToken>; writes send an
 * Idempotency-Key, one per form fill (kept for a retry after a network failure, 429 or 5xx,
 * renewed after a success or a 400/422). problem+json errors are shown next to the fields they
 * name. Data is rendered with textContent only. No framework, no CDN, ES2017.
 */
(function () {
  "use strict";

  var API = "/api";
  var WRITE = ["unit_admin", "caseworker", "city_admin"];

  // The shared helpers of staff.js (loaded after this script, so reached when called).
  function el(tag, cls, text) { return window.wsStaff.el(tag, cls, text); }
  function uuid() { return window.wsStaff.uuid(); }
  function yuan(fen) { return window.wsStaff.yuan(fen); }
  function hasAny(roles, wanted) { return (roles || []).some(function (r) { return wanted.indexOf(r) >= 0; }); }
  function q(path, params) {
    var parts = Object.keys(params).filter(function (k) { return params[k] != null && params[k] !== ""; })
      .map(function (k) { return k + "=" + encodeURIComponent(params[k]); });
    return path + (parts.length ? "?" + parts.join("&") : "");
  }

  function SignedOut() { this.signedOut = true; }

  // Through staff.js (loaded on every staff page): it refreshes the session's tokens, and when the
  // session has run out it leaves for sign-in and brings the user back to this page.
  function call(method, path, body, key) { return window.wsStaff.api(method, path, body, key); }

  function problemText(body) { return window.wsStaff.problemText(body); }

  function signInPrompt(box) { window.wsStaff.signInPrompt(box); }

  /* ------------------------------------------------------------- forms */

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".ws-error"), function (n) { n.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) {
      n.removeAttribute("aria-invalid");
    });
  }

  function status(form, text, bad) {
    var n = form.querySelector(".ws-care__status");
    if (!n) { n = el("p", "ws-care__status"); n.setAttribute("role", "status"); form.appendChild(n); }
    n.textContent = text || "";
    n.classList.toggle("ws-error-text", !!bad);
    return n;
  }

  function showProblem(form, body) {
    status(form, problemText(body), true);
    (body && body.errors || []).forEach(function (e) {
      var input = e.field ? form.querySelector('[name="' + String(e.field).split(".")[0] + '"]') : null;
      var msg = el("p", "ws-error", e.message);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        (input.closest(".ws-field") || input.parentNode).appendChild(msg);
      } else {
        form.appendChild(msg);
      }
    });
  }

  function collect(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (c) {
      if (!c.name || c.disabled || c.type === "submit" || c.type === "button" || c.type === "file") return;
      if (c.type === "radio" && !c.checked) return;
      var v = c.value.trim();
      if (v === "") return;
      data[c.name] = c.dataset.type === "int" ? parseInt(v, 10) : v;
    });
    return data;
  }

  // A write form: data -> send(data, key) -> done(body). One Idempotency-Key per fill.
  function bindForm(form, send, done, failed) {
    var key = uuid();
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true") return;
      clearErrors(form);
      if (!form.checkValidity()) { form.reportValidity(); return; }
      form.setAttribute("aria-busy", "true");
      status(form, "正在提交…");
      try {
        var data = await Promise.resolve(collect(form));
        var r = await send(data, key);
        if (r.ok) {
          key = uuid();
          status(form, "");
          await done(r.body, form);
        } else {
          if (r.status === 400 || r.status === 422 || r.status === 409) key = uuid();
          if (failed) failed(r.body, form); else showProblem(form, r.body);
        }
      } catch (e) {
        if (e && e.signedOut) { signInPrompt(form.closest(".ws-care")); return; }
        status(form, e && e.network ? "网络连接失败，请检查网络后再试一次。" : "服务暂时不可用，请稍后再试。", true);
      } finally {
        form.removeAttribute("aria-busy");
      }
    });
  }

  // A table; "stack" lays each row out as a card of label/value lines on a phone.
  function table(headers, rows, stack) {
    var t = el("table", "ws-care__table" + (stack ? " ws-care__table--stack" : ""));
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", "", h)); });
    t.appendChild(head);
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c, i) {
        var td = el("td");
        if (headers[i]) td.setAttribute("data-label", headers[i]);
        if (c instanceof Node) td.appendChild(c); else td.textContent = c == null ? "" : String(c);
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    return t;
  }

  // All pages of a paged list ({items, next_cursor}), up to 20 pages.
  async function all(path, params) {
    var items = [];
    var cursor = null;
    for (var i = 0; i < 20; i++) {
      var r = await call("GET", q(path, Object.assign({}, params || {}, { cursor: cursor })));
      if (!r.ok) throw r;
      items = items.concat(r.body.items || []);
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  function download(file) { window.wsStaff.download(file); }

  function readFile(input) {
    var f = input.files && input.files[0];
    return f ? window.wsStaff.readBase64(f) : Promise.reject(new Error("nofile"));
  }

  function unitOptions(select, units) {
    var top = units.reduce(function (m, u) { return Math.min(m, u.depth || 0); }, Infinity);
    select.textContent = "";
    units.forEach(function (u) {
      var o = el("option", "", "\u3000".repeat(Math.max(0, (u.depth || 0) - top)) + (u.unit_name || u.name));
      o.value = u.unit_id || u.id;
      select.appendChild(o);
    });
  }

  /* ------------------------------------------------------------- archive */

  async function bindArchive(box, me) {
    var body = box.querySelector(".ws-care__body");
    var canWrite = hasAny(me.roles, WRITE);
    Array.prototype.forEach.call(body.querySelectorAll('[data-needs="write"]'), function (n) { n.hidden = !canWrite; });
    var select = body.querySelector("#fl-unit");
    var rollup = await all("/staff/frontline/units/" + encodeURIComponent(me.unit_id) + "/rollup");
    unitOptions(select, rollup);
    select.value = me.unit_id;
    var current = await window.wsStaff.pickHospital(select, me.unit_id);
    var contacts = [];

    function showRollup() {
      var box2 = body.querySelector('[data-role="rollup"]');
      box2.textContent = "";
      box2.appendChild(table(["单位", "一线人员", "家属", "已配联系人", "未配联系人", "跨院重复"],
        rollup.map(function (u) {
          return [u.unit_name, u.persons, u.members, u.covered, u.uncovered, u.duplicates];
        })));
    }

    async function loadContacts() {
      var r = await call("GET", "/staff/frontline/units/" + encodeURIComponent(current) + "/contacts");
      contacts = r.ok ? r.body.items : [];
      var list = body.querySelector('[data-role="contacts"]');
      list.textContent = "";
      if (!contacts.length) { list.appendChild(el("p", "", "本单位还没有登记一对一联系人。")); return; }
      list.appendChild(table(["姓名", "登录名", "身份", "联系的家庭"], contacts.map(function (c) {
        return [c.name, c.username, c.kind_label, c.families];
      })));
    }

    // The unit's contact persons as the options of a required select (the current one chosen).
    function fillContacts(sel, chosen) {
      sel.required = true;
      var blank = el("option", "", "请选择");
      blank.value = "";
      sel.appendChild(blank);
      contacts.forEach(function (c) {
        var o = el("option", "", c.name + "（" + c.kind_label + "）");
        o.value = c.username;
        if (c.username === chosen) o.selected = true;
        sel.appendChild(o);
      });
    }

    function assignForm(person) {
      var form = el("form", "ws-care__inline");
      var label = el("label", "", "联系人 ");
      var sel = el("select");
      fillContacts(sel, person.contact_person);
      sel.name = "username";
      sel.setAttribute("aria-label", person.name + " 的联系人");
      label.appendChild(sel);
      form.appendChild(label);
      var b = el("button", "ws-button", person.contact_person ? "更换" : "指定");
      b.type = "submit";
      form.appendChild(b);
      bindForm(form, function (data, key) {
        return call("POST", "/staff/frontline/families/" + encodeURIComponent(person.id) + "/contact",
          { username: data.username, version: person.version }, key);
      }, async function () { await refresh(); });
      return form;
    }

    // The family's card on the family page, by its address (opens in a new tab as well).
    function familyLink(p) {
      var cell = el("span");
      var a = el("a", "ws-route", p.name);
      a.href = "family/?" + new URLSearchParams(current === me.unit_id ? { family: p.id } : { unit: current, family: p.id });
      cell.appendChild(a);
      window.wsStaff.demoBadge(cell, p);
      return cell;
    }

    async function loadPersonnel() {
      var items = await all("/staff/frontline/units/" + encodeURIComponent(current) + "/personnel");
      var list = body.querySelector('[data-role="personnel"]');
      list.textContent = "";
      if (!items.length) { list.appendChild(el("p", "", "这个单位还没有登记一线人员。")); return; }
      list.appendChild(table(["家庭编号", "姓名", "身份证", "手机", "科室 / 岗位", "一线岗位", "联系人", "重复登记"],
        items.map(function (p) {
          return [p.id, familyLink(p), p.id_masked, p.phone, p.department + " / " + p.role, p.deployment_label,
            canWrite && contacts.length ? assignForm(p) : (p.contact_person_name || "未配备"),
            (p.duplicates || []).map(function (d) { return d.unit_name || d.note; }).join("、")];
        })));
    }

    async function loadUncovered() {
      var items = await all("/staff/frontline/units/" + encodeURIComponent(current) + "/uncovered");
      var list = body.querySelector('[data-role="uncovered"]');
      list.textContent = "";
      list.appendChild(el("p", "", items.length ? "共 " + items.length + " 户尚未配备联系人：" : "所有家庭都已配备联系人。"));
      if (!items.length) return;
      if (!(canWrite && contacts.length)) {
        list.appendChild(table(["家庭编号", "姓名", "单位", "手机"], items.map(function (p) {
          return [p.id, p.name, p.unit_name, p.phone];
        })));
        return;
      }
      list.appendChild(bulkAssignForm(items));
    }

    // Many families to one contact person at once (up to 100 a time): tick them, pick the contact.
    function bulkAssignForm(items) {
      var form = el("form", "ws-care__bulk");
      form.noValidate = true;
      var boxes = items.map(function (p) {
        var box = el("input");
        box.type = "checkbox";
        box.value = p.id;
        box.setAttribute("aria-label", "选择 " + p.name);
        return box;
      });
      var every = el("input");
      every.type = "checkbox";
      every.setAttribute("aria-label", "全选");
      every.addEventListener("change", function () { boxes.forEach(function (b) { b.checked = every.checked; }); });
      var t = table(["", "姓名", "单位", "手机"], items.map(function (p, i) { return [boxes[i], p.name, p.unit_name, p.phone]; }));
      t.querySelector("th").appendChild(every);
      form.appendChild(t);
      var field = el("div", "ws-field");
      var label = el("label", "", "为选中的家庭指定联系人");
      label.htmlFor = "fl-bulk-contact";
      var sel = el("select");
      fillContacts(sel, null);
      sel.id = "fl-bulk-contact";
      sel.name = "contact";
      field.appendChild(label);
      field.appendChild(sel);
      form.appendChild(field);
      var b = el("button", "ws-button", "指定联系人");
      b.type = "submit";
      form.appendChild(b);
      bindForm(form, function (data, key) {
        var ids = boxes.filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
        if (!ids.length || ids.length > 100) {
          return Promise.resolve({ ok: false, status: 400, body: { title: "请选择家庭",
            detail: ids.length ? "一次最多为 100 户指定联系人，请分批进行。" : "请先勾选要指定联系人的家庭。" } });
        }
        return call("POST", "/staff/frontline/units/" + encodeURIComponent(current) + "/contact-assignments",
          { contact: data.contact, person_ids: ids }, key);
      }, async function (result) {
        await refresh();
        var again = body.querySelector('[data-role="uncovered"]');
        again.insertBefore(el("p", "ws-care__ok", "已为 " + result.assigned + " 户指定联系人。"), again.firstChild);
      });
      return form;
    }

    // Each ID number held in more than one hospital, one of them under the chosen unit: the
    // households the caller may see by name, any others only as a note (the city sees them all).
    async function loadDuplicates() {
      var groups = await all("/staff/frontline/units/" + encodeURIComponent(current) + "/duplicate-groups");
      var list = body.querySelector('[data-role="duplicates"]');
      list.textContent = "";
      if (!groups.length) { list.appendChild(el("p", "", "没有跨单位重复登记的一线人员。")); return; }
      list.appendChild(table(["身份证", "登记的单位", "家庭编号", "姓名", "登记时间"],
        groups.reduce(function (rows, g) {
          g.records.forEach(function (r, i) {
            rows.push([i ? "" : g.id_masked, r.unit_name, r.person_id, r.name,
              new Date(r.created_at).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" })]);
          });
          if (g.note) rows.push([g.records.length ? "" : g.id_masked, g.note, "", "", ""]);
          return rows;
        }, [])));
    }

    async function refresh() {
      rollup = await all("/staff/frontline/units/" + encodeURIComponent(me.unit_id) + "/rollup");
      showRollup();
      await loadContacts();
      await loadPersonnel();
      await loadDuplicates();
      await loadUncovered();
    }

    select.addEventListener("change", function () { current = select.value; refresh(); });

    body.querySelector('[data-action="template"]').addEventListener("click", async function () {
      var r = await call("GET", "/staff/frontline/import-template");
      if (r.ok) download(r.body);
    });

    var importForm = body.querySelector("#fl-import");
    var report = body.querySelector('[data-role="import-report"]');
    bindForm(importForm, async function (data, key) {
      report.textContent = "";
      var content = await readFile(importForm.querySelector('input[type="file"]'));
      return call("POST", "/staff/frontline/units/" + encodeURIComponent(current) + "/imports",
        { content_base64: content }, key);
    }, async function (result) {
      report.textContent = "";
      report.appendChild(el("p", "ws-care__ok", "已导入一线人员 " + result.persons + " 人、家属 " + result.members + " 人。" +
        (result.duplicates && result.duplicates.length ? "其中 " + result.duplicates.length + " 人在其他医院也有登记，请核对。" : "")));
      importForm.reset();
      await refresh();
    }, function (problem) {
      // A refused file: nothing was imported; the report lists each row's problem.
      status(importForm, problemText(problem), true);
      report.textContent = "";
      var errs = (problem && problem.errors) || [];
      if (!errs.length) return;
      report.appendChild(table(["位置", "问题"], errs.map(function (e) { return [e.field, e.message]; })));
      // The same file checked again gives the report as a spreadsheet, each bad row with its problems.
      var get = el("button", "ws-button", "下载错误报告（xlsx）");
      get.type = "button";
      get.addEventListener("click", async function () {
        var content = await readFile(importForm.querySelector('input[type="file"]'));
        var r = await call("POST", "/staff/frontline/units/" + encodeURIComponent(current) + "/imports/check",
          { content_base64: content }, uuid());
        if (r.ok && r.body.report) download(r.body.report);
      });
      report.appendChild(get);
    });
    var contactForm = body.querySelector("#fl-contact");
    bindForm(contactForm, function (data, key) {
      return call("POST", "/staff/frontline/units/" + encodeURIComponent(current) + "/contacts", data, key);
    }, async function () { contactForm.reset(); await refresh(); });

    await refresh();
  }

  /* ------------------------------------------------------------- a contact person's families */

  async function allCampaigns() {
    var r = await call("GET", "/staff/delivery/campaigns");
    return r.ok ? r.body.items : [];
  }

  function currentOf(items) {
    return items.filter(function (c) { return c.current_week; })[0] || items[0] || null;
  }

  var OUTCOMES = ["delivered", "failed", "refused"];

  function confirmButtons(pkg, after) {
    var wrap = el("div", "ws-care__actions");
    if (pkg.status === "delivered") return wrap;
    OUTCOMES.map(function (code) { return [code, window.wsStaff.labels("packages")[code] || code]; }).forEach(function (o) {
      var form = el("form", "ws-care__inline");
      var b = el("button", "ws-button", o[1]);
      b.type = "submit";
      form.appendChild(b);
      bindForm(form, function (data, key) {
        return call("POST", "/staff/delivery/packages/" + encodeURIComponent(pkg.id) + "/confirmation",
          { outcome: o[0] }, key);
      }, after);
      wrap.appendChild(form);
    });
    return wrap;
  }

  // The contact person's families with everything their cards show (members, latest contacts and
  // the current campaign's recent packages) come in one request per 100 families; a card asks the
  // API again only after its own change (a confirmation, a new contact log).
  async function myFamilies() {
    var items = [];
    var campaign = null;
    var cursor = null;
    for (var i = 0; i < 20; i++) {
      var r = await call("GET", q("/staff/frontline/my-families", { cursor: cursor }));
      if (!r.ok) throw r;
      items = items.concat(r.body.items || []);
      campaign = campaign || r.body.campaign || null;
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    return { items: items, campaign: campaign };
  }

  function logTable(items) {
    return table(["时间", "方式", "情况", "需求"], items.map(function (x) {
      return [window.wsStaff.shanghai(x.at), kindLabel(x.kind), x.notes, x.needs || ""];
    }), true);
  }

  async function bindMine(box, me) {
    var body = box.querySelector(".ws-care__body");
    var list = body.querySelector('[data-role="families"]');
    var mine = await myFamilies();
    var camp = mine.campaign;

    function family(p) {
      var li = el("li", "ws-record");
      var title = el("h3", "ws-record__title", p.name + "（" + p.unit_name + "）");
      window.wsStaff.demoBadge(title, p);
      li.appendChild(title);
      li.appendChild(el("p", "", "家庭编号 " + p.id + " · 手机 " + p.phone + " · " + p.deployment_label));
      li.appendChild(callButton(p));
      if ((p.members || []).length) {
        var members = el("ul", "ws-care__members");
        p.members.forEach(function (m) {
          members.appendChild(el("li", "", m.name + "（" + m.relation + (m.age != null ? "，" + m.age + " 岁" : "") +
            "）：" + m.needs));
        });
        li.appendChild(members);
      }
      var pk = el("div", "ws-care__packages");
      li.appendChild(pk);
      function showPackages(items) {
        pk.textContent = "";
        if (!camp) return;
        if (!items.length) { pk.appendChild(el("p", "", "还没有爱心蔬菜配送记录。")); return; }
        pk.appendChild(table(["周次", "地址", "时段", "饮食备注", "状态", "确认"], items.map(function (x) {
          return ["第 " + x.week + " 周", x.address, x.window_label, x.dietary_notes || "", x.status_label,
            confirmButtons(x, packages)];
        }), true));
      }
      async function packages() {
        var r = await call("GET", q("/staff/delivery/families/" + encodeURIComponent(p.id) + "/packages",
          { campaign_id: camp.id }));
        showPackages(r.ok ? r.body.items : []);
      }
      showPackages(p.packages || []);
      var logs = el("div", "ws-care__logs");
      li.appendChild(logs);
      if ((p.logs || []).length) logs.appendChild(logTable(p.logs));
      async function loadLogs() {
        var r = await call("GET", "/staff/frontline/families/" + encodeURIComponent(p.id) + "/logs");
        logs.textContent = "";
        var items = r.ok ? r.body.items : [];
        if (items.length) logs.appendChild(logTable(items));
      }
      var form = el("form", "ws-care__log");
      form.innerHTML = '<div class="ws-field"><label>联系方式 <select name="kind" required>' +
        '<option value="phone">电话</option><option value="visit">上门</option><option value="wechat">微信</option>' +
        '</select></label></div><div class="ws-field"><label>了解到的情况 <textarea name="notes" required ' +
        'maxlength="2000" rows="2"></textarea></label></div><div class="ws-field"><label>家庭的需求和困难（可不填）' +
        ' <textarea name="needs" maxlength="2000" rows="2"></textarea></label></div>' +
        '<button type="submit" class="ws-button">记录这次联系</button>';
      bindForm(form, function (data, key) {
        return call("POST", "/staff/frontline/families/" + encodeURIComponent(p.id) + "/logs", data, key);
      }, async function () { form.reset(); await loadLogs(); });
      li.appendChild(form);
      li.appendChild(onBehalf(p, loadLogs));
      li.appendChild(packageSignup(p, camp ? packages : null));
      return li;
    }

    list.textContent = "";
    if (!mine.items.length) { list.appendChild(el("p", "", "还没有分配给您联系的家庭。")); return; }
    var ul = el("ul", "ws-records");
    mine.items.forEach(function (p) { ul.appendChild(family(p)); });
    list.appendChild(ul);
  }

  function kindLabel(kind) { return window.wsStaff.labels("logKinds")[kind] || kind; }

  // Tap to call: the card shows the number masked; the button asks for the whole number (the API
  // gives it to the family's own contact person only, and audits each view) and offers a tel: link.
  function callButton(p) {
    var wrap = el("p", "ws-care__call");
    var b = el("button", "ws-button", "拨打电话");
    b.type = "button";
    b.setAttribute("aria-label", "拨打电话：" + p.name);
    b.addEventListener("click", async function () {
      b.disabled = true;
      var r = await call("POST", "/staff/frontline/families/" + encodeURIComponent(p.id) + "/phone", {}, uuid());
      b.disabled = false;
      if (!r.ok) { wrap.appendChild(el("span", "ws-error-text", problemText(r.body))); return; }
      var a = el("a", "ws-button ws-care__tel", "拨打 " + r.body.phone);
      a.href = "tel:" + r.body.phone;
      wrap.replaceChild(a, b);
      a.focus();
    });
    wrap.appendChild(b);
    return wrap;
  }

  var CATEGORIES = [["psychological", "心理咨询与疏导"], ["hardship", "困难帮扶"], ["legal", "法律援助与权益咨询"],
    ["supplies", "防护物资"], ["medical_subsidy", "大病医疗补助"], ["employment", "就业指导"],
    ["wages", "疫情期间工资与劳动关系"], ["women", "孕期、哺乳期女职工保护"], ["transport", "返岗交通与送票"]];

  function field(label, control) {
    var f = el("div", "ws-field");
    var l = el("label", "", label + " ");
    l.appendChild(control);
    f.appendChild(l);
    return f;
  }

  function input(name, attrs) {
    var i = el(attrs.rows ? "textarea" : "input");
    i.name = name;
    Object.keys(attrs).forEach(function (k) { i.setAttribute(k, attrs[k]); });
    return i;
  }

  function choice(name, options, required) {
    var s = el("select");
    s.name = name;
    if (required) s.required = true;
    var first = el("option", "", "请选择");
    first.value = "";
    s.appendChild(first);
    options.forEach(function (o) { var x = el("option", "", o[1]); x.value = o[0]; s.appendChild(x); });
    return s;
  }

  // A folded section of a family card holding one form.
  function folded(title, form) {
    var d = el("details", "ws-care__more");
    d.appendChild(el("summary", "", title));
    d.appendChild(form);
    return d;
  }

  // A support request filed for the family by its contact person (the reply goes to the family
  // member's phone; the request is noted in the family's contact log).
  function onBehalf(p, logged) {
    var form = el("form", "ws-care__behalf");
    form.noValidate = true;
    form.appendChild(field("求助类别", choice("category", CATEGORIES, true)));
    form.appendChild(field("需要什么帮助", input("description", { rows: "3", required: "", maxlength: "500" })));
    form.appendChild(field("求助的家庭成员姓名", input("name", { type: "text", required: "", maxlength: "30" })));
    form.appendChild(field("与一线人员的关系", input("relation", { type: "text", required: "", maxlength: "30",
      placeholder: "例如 本人、母亲" })));
    form.appendChild(field("这位家庭成员的手机号码", input("phone", { type: "tel", required: "", maxlength: "11",
      inputmode: "numeric", autocomplete: "off" })));
    var b = el("button", "ws-button", "提交求助");
    b.type = "submit";
    form.appendChild(b);
    bindForm(form, function (data, key) {
      return call("POST", "/staff/frontline/families/" + encodeURIComponent(p.id) + "/support-requests", data, key);
    }, async function (r) {
      form.reset();
      status(form, "求助已提交，查询编号 " + r.reference + "，由" + r.unit_name + "办理，已记入联系记录。");
      await logged();
    });
    return folded("代家庭提交求助", form);
  }

  // The weekly food package, signed up (or its address and time changed) for the family.
  function packageSignup(p, reload) {
    var form = el("form", "ws-care__signup");
    form.noValidate = true;
    var windows = window.wsStaff.labels("windows");
    form.appendChild(field("配送地址", input("address", { type: "text", required: "", minlength: "4",
      maxlength: "200" })));
    form.appendChild(field("配送时段", choice("window", Object.keys(windows).map(function (k) { return [k, windows[k]]; }),
      true)));
    form.appendChild(field("饮食禁忌或偏好（可不填）", input("dietary_notes", { rows: "2", maxlength: "300" })));
    var b = el("button", "ws-button", "登记爱心蔬菜");
    b.type = "submit";
    form.appendChild(b);
    bindForm(form, function (data, key) {
      return call("POST", "/staff/delivery/families/" + encodeURIComponent(p.id) + "/signup", data, key);
    }, async function (r) {
      status(form, "已登记爱心蔬菜：" + r.status_label + "，" + r.window_label + "，从第 " + r.from_week + " 周起。");
      if (reload) await reload();
    });
    return folded("登记每周爱心蔬菜", form);
  }

  /* ------------------------------------------------------------- delivery */

  async function bindDelivery(box, me) {
    var body = box.querySelector(".ws-care__body");
    var isCity = hasAny(me.roles, ["city_admin"]);
    Array.prototype.forEach.call(body.querySelectorAll('[data-needs="city"]'), function (n) { n.hidden = !isCity; });
    var canConfirm = hasAny(me.roles, ["city_admin", "unit_admin", "caseworker"]);
    var select = body.querySelector("#dl-unit");
    // The union tree is public: fetched without the staff token (public routes take a bearer as a partner's).
    var res = await fetch(API + "/units/" + encodeURIComponent(me.unit_id) + "/subtree", { headers: { "Accept": "application/json" } });
    unitOptions(select, res.ok ? ((await res.json()).items || []) : []);
    var campaigns = await allCampaigns();
    var camp = currentOf(campaigns);
    var weekInput = body.querySelector("#dl-week");
    var campaignForm = body.querySelector("#dl-campaign");

    function showCampaign() {
      var info = body.querySelector('[data-role="campaign"]');
      info.textContent = "";
      if (!camp) { info.appendChild(el("p", "", "还没有设置爱心蔬菜活动。")); return; }
      info.appendChild(el("p", "", camp.name + "：" + camp.start_date + " 起" + (camp.end_date ? "，至 " + camp.end_date : "，结束日期待定") +
        "；每份上限 " + yuan(camp.cap_fen) + " 元，默认每份 " + yuan(camp.price_fen) + " 元（" + camp.default_supplier + "）；" +
        (camp.current_week ? "本周是第 " + camp.current_week + " 周。" : "当前不在活动期间。")));
      if (camp.current_week && !weekInput.value) weekInput.value = camp.current_week;
    }
    showCampaign();
    var editing = campaignPicker(campaignForm, function () { return campaigns; });
    editing.fill(camp);
    // Warn before anyone generates a roster: the packages are charged to the unit's special fund.
    if (isCity) {
      var fund = await call("GET", "/fund/units/" + encodeURIComponent(me.unit_id) + "/account");
      var needed = camp ? camp.price_fen : 1;
      if (fund.ok && fund.body.balance_fen < needed) {
        var warn = el("p", "ws-staff__notice", fund.body.special_fund_fen ? "本单位今年的防控专项资金余额已不足一份爱心蔬菜，" +
          "生成名单记账会被拒绝。请先在“防控专项资金”页调整专项资金。" : "本单位今年还没有设立防控专项资金，生成名单记账会被拒绝。" +
          "请先在“防控专项资金”页设立专项资金，再生成名单。");
        warn.setAttribute("role", "alert");
        var gen = body.querySelector("#dl-generate");
        gen.parentNode.insertBefore(warn, gen);
      }
    }

    bindForm(campaignForm, function (data, key) {
      var old = editing.picked();
      var payload = { name: data.name, start_date: data.start_date, end_date: data.end_date || null,
        cap_fen: Math.round(parseFloat(data.cap_yuan) * 100), price_fen: Math.round(parseFloat(data.price_yuan) * 100),
        default_supplier: data.default_supplier, suppliers: old ? old.suppliers : [], version: old ? old.version : null };
      if (!old) return call("POST", "/staff/delivery/campaigns", payload, key);
      return call("POST", "/staff/delivery/campaigns/" + encodeURIComponent(old.id), payload, key);
    }, async function (saved) {
      campaigns = await allCampaigns();
      // The campaign just saved is the one being worked on: rosters are generated for it next.
      camp = campaigns.filter(function (c) { return c.id === saved.id; })[0] || currentOf(campaigns);
      showCampaign();
      editing.fill(saved);
      status(campaignForm, "活动设置已保存：" + saved.name + "。");
    });

    var genForm = body.querySelector("#dl-generate");
    bindForm(genForm, async function (data, key) {
      if (!camp) return { ok: false, status: 409, body: { title: "请先设置爱心蔬菜活动。" } };
      var total = { created: 0, amount_fen: 0, skipped: {} };
      for (var i = 0; i < 30; i++) {  // each press runs up to ~20 s; continue until done
        var r = await call("POST", "/staff/delivery/campaigns/" + encodeURIComponent(camp.id) + "/rosters",
          { week: data.week }, i === 0 ? key : uuid());
        if (!r.ok) return r;
        total.created += r.body.created;
        total.amount_fen += r.body.amount_fen;
        (r.body.skipped_families || []).forEach(function (f) { total.skipped[f] = true; });
        status(genForm, "正在生成… 已生成 " + r.body.total + " 份");
        if (r.body.done) {
          r.body.created = total.created;
          r.body.amount_fen = total.amount_fen;
          r.body.skipped_families = Object.keys(total.skipped).sort();
          return r;
        }
      }
      return { ok: false, status: 503, body: { title: "还没有全部生成，请再点一次。" } };
    }, async function (result) {
      var skipped = result.skipped_families || [];
      status(genForm, "第 " + result.week + " 周名单共 " + result.total + " 份，本次新生成 " + result.created + " 份，记入专项资金支出 " +
        yuan(result.amount_fen) + " 元。" + (skipped.length ? "另有 " + skipped.length + " 户这一周已由其他活动配送，" +
        "每户每周只配送一份，已跳过、未记账（家庭编号：" + skipped.join("、") + "）。" : ""));
      await loadRoster();
    });

    async function loadRoster() {
      var list = body.querySelector('[data-role="roster"]');
      list.textContent = "";
      if (!camp || !weekInput.value) return;
      var items = await all("/staff/delivery/units/" + encodeURIComponent(select.value) + "/roster",
        { campaign_id: camp.id, week: weekInput.value });
      if (!items.length) { list.appendChild(el("p", "", "这一周还没有配送名单。")); return; }
      list.appendChild(el("p", "", "共 " + items.length + " 份，合计 " +
        yuan(items.reduce(function (s, x) { return s + x.amount_fen; }, 0)) + " 元。"));
      // One card per package, phone first: the outcome buttons sit under the address, never off-screen.
      var cards = el("ul", "ws-records ws-care__cards");
      items.forEach(function (x) {
        var li = el("li", "ws-record" + (x.status === "pending" ? "" : " ws-record--off"));
        li.appendChild(el("h3", "ws-record__title", x.name + "　" + x.status_label));
        var dl = el("dl", "ws-facts");
        [["手机", x.phone], ["地址", x.address], ["时段", x.window_label], ["饮食备注", x.dietary_notes],
          ["供应商", x.supplier], ["金额", yuan(x.amount_fen) + " 元"], ["确认人", x.confirmed_by_name || x.confirmed_by]].forEach(function (f) {
          if (!f[1]) return;
          dl.appendChild(el("dt", "", f[0]));
          dl.appendChild(el("dd", "", f[1]));
        });
        li.appendChild(dl);
        if (canConfirm) li.appendChild(confirmButtons(x, loadRoster));
        cards.appendChild(li);
      });
      list.appendChild(cards);
    }

    body.querySelector('[data-action="roster"]').addEventListener("click", function () { loadRoster(); });
    select.addEventListener("change", function () { loadRoster(); });
    body.querySelector('[data-action="supplier"]').addEventListener("click", async function () {
      if (!camp || !weekInput.value) return;
      var r = await call("GET", q("/staff/delivery/units/" + encodeURIComponent(select.value) + "/supplier-list",
        { campaign_id: camp.id, week: weekInput.value }));
      if (r.ok) download(r.body);
    });
    await loadRoster();
  }

  // The campaign form edits the campaign picked by name, or makes a new one (its id made by the API).
  function campaignPicker(form, list) {
    var pick = form.elements.campaign_id;
    var fresh = { name: form.elements.name.value, start_date: form.elements.start_date.value, end_date: "",
      cap_fen: Math.round(parseFloat(form.elements.cap_yuan.value) * 100),
      price_fen: Math.round(parseFloat(form.elements.price_yuan.value) * 100),
      default_supplier: form.elements.default_supplier.value };
    function picked() {
      return list().filter(function (c) { return c.id === pick.value; })[0] || null;
    }
    function fill(c) {
      while (pick.options.length > 1) pick.remove(1);
      list().forEach(function (x) {
        var o = el("option", "", x.name + "（" + x.start_date + " 起）");
        o.value = x.id;
        pick.appendChild(o);
      });
      pick.value = c ? c.id : "";
      show(c || fresh);
    }
    function show(c) {
      var f = form.elements;
      f.name.value = c.name;
      f.start_date.value = c.start_date;
      f.end_date.value = c.end_date || "";
      f.cap_yuan.value = window.wsStaff.yuanInput(c.cap_fen);
      f.price_yuan.value = window.wsStaff.yuanInput(c.price_fen);
      f.default_supplier.value = c.default_supplier;
    }
    pick.addEventListener("change", function () { show(picked() || fresh); });
    return { fill: fill, picked: picked };
  }

  /* ------------------------------------------------------------- bind */

  var BINDERS = { archive: bindArchive, mine: bindMine, delivery: bindDelivery };

  async function init() {
    var box = document.querySelector(".ws-care[data-ws-care]");
    if (!box || box.dataset.wsBound) return;
    box.dataset.wsBound = "1";
    var loading = box.querySelector(".ws-care__loading");
    try {
      var me = await call("GET", "/me");
      if (!me.ok) throw new SignedOut();
      if (loading) loading.remove();
      box.querySelector(".ws-care__body").hidden = false;
      await BINDERS[box.dataset.wsCare](box, me.body);
      box.dataset.ready = "1";  // every form is bound
    } catch (e) {
      if (loading) loading.remove();
      if (e && e.signedOut) { signInPrompt(box); return; }
      var p = el("p", "ws-staff__notice", e && e.network ? "网络连接失败，请检查网络后再试一次。" :
        (e && e.body ? problemText(e.body) : "服务暂时不可用，请稍后再试。"));
      p.setAttribute("role", "alert");
      box.appendChild(p);
    }
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
