/*
 * figures.js: the city dashboard's counts besides the fund (site/staff/dashboard/): support requests,
 * frontline families and food packages, registrations for fairs, courses and shuttles, and a row per
 * direct child unit. fund.js fetches GET /api/staff/dashboard/units/{unit} and calls
 * window.wsDashboard.render(box, data, drill). Counts only; charts are CSS bars; textContent only.
 */
(function () {
  "use strict";

  // The shared helpers of staff.js (loaded after this script, so reached when called).
  function el(tag, cls, text) { return window.wsStaff.el(tag, cls, text); }

  function part(box, role) {
    var n = box.querySelector('[data-role="' + role + '"]');
    n.textContent = "";
    return n;
  }

  function cards(target, list) {
    list.forEach(function (f) {
      var card = el("div", "ws-card");
      card.appendChild(el("span", "ws-card__label", f[0]));
      card.appendChild(el("strong", "ws-card__value", f[1]));
      target.appendChild(card);
    });
  }

  function bars(target, list, unit, empty) {
    var max = Math.max.apply(null, [0].concat(list.map(function (b) { return b[1]; })));
    if (!list.length || max === 0) { target.appendChild(el("p", "", empty)); return; }
    list.forEach(function (b) {
      var row = el("div", "ws-bar");
      row.appendChild(el("span", "ws-bar__label", b[0]));
      var track = el("span", "ws-bar__track");
      var fill = el("span", "ws-bar__fill");
      fill.style.width = (b[1] > 0 ? Math.max(1, Math.round(100 * b[1] / max)) : 0) + "%";
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el("span", "ws-bar__value", b[1] + " " + unit));
      target.appendChild(row);
    });
  }

  // A column chart in inline SVG: one column per period, its count above it, its label below.
  function columns(target, list, unit, empty) {
    var max = Math.max.apply(null, [0].concat(list.map(function (b) { return b[1]; })));
    if (!list.length || max === 0) { target.appendChild(el("p", "", empty)); return; }
    var NS = "http://www.w3.org/2000/svg", W = 360, H = 150, top = 18, base = 122, step = W / list.length;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "ws-dash__chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", list.map(function (b) { return b[2] + " " + b[1] + " " + unit; }).join("，"));
    function node(tag, attrs, text) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
      if (text !== undefined) n.textContent = String(text);
      svg.appendChild(n);
      return n;
    }
    node("line", { x1: 0, y1: base, x2: W, y2: base, "class": "ws-dash__axis" });
    list.forEach(function (b, i) {
      var h = b[1] > 0 ? Math.max(2, Math.round((base - top) * b[1] / max)) : 0;
      var x = i * step + step * 0.2;
      node("rect", { x: x, y: base - h, width: step * 0.6, height: h, "class": "ws-dash__column" });
      node("text", { x: x + step * 0.3, y: base - h - 4, "text-anchor": "middle", "class": "ws-dash__count" }, b[1]);
      node("text", { x: x + step * 0.3, y: base + 14, "text-anchor": "middle", "class": "ws-dash__tick" }, b[0]);
    });
    target.appendChild(svg);
  }

  function table(target, label, heads, rows) {
    var wrap = el("div", "ws-dash__scroll");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", label);
    wrap.tabIndex = 0;
    var t = el("table", "ws-fund__table");
    var head = el("tr");
    heads.forEach(function (h) { head.appendChild(el("th", "", h)); });
    t.appendChild(head);
    rows.forEach(function (r) { t.appendChild(r); });
    wrap.appendChild(t);
    target.appendChild(wrap);
  }

  function weekTick(iso) {
    var p = iso.split("-");
    return Number(p[1]) + "/" + Number(p[2]);
  }
  function weekLabel(iso) {
    var p = iso.split("-");
    return Number(p[1]) + "月" + Number(p[2]) + "日起的一周";
  }

  function support(box, data) {
    var u = data.unit;
    cards(part(box, "support-figures"), [["求助总数", u.support_total + " 件"], ["待受理", u.support_open + " 件"],
      ["办理中", u.support_in_progress + " 件"], ["已办结", u.support_done + " 件"], ["已逾期未办结", u.support_overdue + " 件"]]);
    bars(part(box, "support-categories"), data.support_categories.map(function (c) {
      return [c.label + "（未办结 " + c.unfinished + "）", c.total];
    }), "件", "还没有求助。");
    columns(part(box, "support-trend"), data.support_weekly.map(function (w) {
      return [weekTick(w.week_start), w.count, weekLabel(w.week_start)];
    }), "件", "最近 12 周没有新的求助。");
  }

  function frontline(box, data) {
    var u = data.unit, d = data.delivery;
    cards(part(box, "frontline-figures"), [["在档一线人员", u.frontline_persons + " 人"], ["登记的家属", u.frontline_members + " 人"],
      ["未指定一对一联系人的家庭", u.frontline_uncovered + " 户"]]);
    var title = part(box, "delivery-title");
    var figures = part(box, "delivery-figures");
    var trend = part(box, "delivery-trend");
    if (!d) {
      title.textContent = "爱心蔬菜配送";
      figures.appendChild(el("p", "", "还没有爱心蔬菜活动。"));
      trend.appendChild(el("p", "", "还没有配送。"));
      return;
    }
    title.textContent = "爱心蔬菜配送：" + d.campaign_name + (d.current_week ? "（本周为第 " + d.current_week + " 周）" : "（活动已结束）");
    cards(figures, [["本次活动累计", u.packages + " 份"],
      [(d.current_week ? "上周" : "最后一周") + (d.last_week ? "（第 " + d.last_week + " 周）" : ""), u.packages_last_week + " 份"]]
      .concat(["delivered", "failed", "refused", "pending"].map(function (code) {
        return [window.wsStaff.labels("packages")[code] || code, u[code] + " 份"];
      })));
    columns(trend, d.weeks.slice(-12).map(function (w) { return [String(w.week), w.packages, "第 " + w.week + " 周"]; }),
      "份", "还没有配送。");
  }

  function registrations(box, data) {
    var target = part(box, "registrations");
    if (!data.registrations.length) { target.appendChild(el("p", "", "还没有开设场次。")); return; }
    table(target, "按类型的报名和到场", ["类型", "场次", "报名人次", "已确认", "候补", "已取消", "到场"],
      data.registrations.map(function (k) {
        var tr = el("tr");
        tr.dataset.kind = k.kind;
        [k.label, k.sessions, k.registrations, k.confirmed, k.waitlisted, k.cancelled, k.attended].forEach(function (v) {
          tr.appendChild(el("td", "", v));
        });
        return tr;
      }));
    bars(target, data.registrations.map(function (k) { return [k.label + " 报名", k.registrations]; }), "人次", "还没有报名。");
  }

  function children(box, data, drill) {
    var target = part(box, "child-figures");
    if (!data.children.length) { target.appendChild(el("p", "", "没有下级单位。")); return; }
    table(target, "各下级单位的数量", ["下级单位", "未办结求助", "逾期", "一线人员", "无联系人家庭", "配送份数", "已送达", "报名人次", "到场", ""],
      data.children.map(function (r) {
        var tr = el("tr");
        tr.dataset.child = r.unit_id;
        [r.unit_name, r.support_open + r.support_in_progress, r.support_overdue, r.frontline_persons, r.frontline_uncovered,
          r.packages, r.delivered, r.registrations, r.attended].forEach(function (v) { tr.appendChild(el("td", "", v)); });
        var td = el("td");
        var b = el("button", "ws-fund__small", "查看");
        b.type = "button";
        b.setAttribute("aria-label", "查看 " + r.unit_name);
        b.addEventListener("click", function () { drill(r.unit_id); });
        td.appendChild(b);
        tr.appendChild(td);
        return tr;
      }));
  }

  window.wsDashboard = {
    render: function (box, data, drill) {
      support(box, data);
      frontline(box, data);
      registrations(box, data);
      children(box, data, drill);
    }
  };
})();
