/*
 * reports.js: the workbench page for good-practice and typical-case reports (site/staff/reports/).
 * A unit's staff write a report, add photos (posted straight to the uploads bucket with the
 * presigned form the API hands out, then confirmed), and submit it; the city federation's
 * reviewers comment, return or accept, and publish accepted cases on the portal.
 * It uses the helpers staff.js shares as window.wsStaff. Data is rendered with textContent only.
 */
(function () {
  "use strict";

  var MAX_PHOTOS = 4;
  var MAX_BYTES = 2 * 1024 * 1024;
  var TYPES = ["image/jpeg", "image/png", "image/webp"];
  var ACTIONS = { comment: "意见", "return": "退回修改", accept: "采用", publish: "公开", unpublish: "撤下" };
  var TEXT = {
    empty: "没有这类报送。",
    saved: "已保存草稿：{n}",
    submit: "提交给市总保障部审核",
    submitted: "已提交，等待市总保障部审核。",
    accept: "采用",
    giveBack: "退回修改",
    reviewNote: "审核意见（退回修改时必填，报送单位可以看到）",
    publish: "在门户公开",
    unpublish: "从门户撤下",
    published: "已在门户“先进做法和典型案例”页面公开。",
    unpublished: "已从门户撤下。",
    done: "已完成：{n}",
    noComments: "还没有意见。",
    noFile: "请先选择一张照片",
    badType: "照片只能是 JPEG、PNG 或 WebP 格式",
    tooBig: "照片超过 2 MB，请缩小后再上传",
    uploading: "正在上传照片…",
    uploadFailed: "照片没有上传成功，请检查网络后重试。",
    uploaded: "照片已添加。",
    photo: "照片 {n}",
    photoFailed: "照片暂时无法显示。",
    removePhoto: "删除照片 {n}",
    photoRemoved: "照片已删除。"
  };

  function fmt(text, n) { return window.wsStaff.fmt(text, n); }

  function problemText(r) { return window.wsStaff.problemText(r && r.body); }

  async function bind(box, ws) {
    var ctx = await ws.adminPage(box, "reports");
    if (!ctx) return;
    var el = ws.el, body = ctx.body, canWrite = ctx.canWrite;
    var isCity = ctx.me.roles.indexOf("city_admin") >= 0;
    var statusSel = body.querySelector("#rp-status");
    var listBox = body.querySelector('[data-role="list"]');
    var panel = body.querySelector('[data-role="detail"]');
    var part = function (role) { return panel.querySelector('[data-role="' + role + '"]'); };
    var status = part("action-status");
    var current = null;

    function loadList() {
      var s = statusSel.value;
      listed = s;
      return ws.pagedList(listBox, function (cursor) {
        return ws.api("GET", "/reports?status=" + encodeURIComponent(s) +
          (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      }, renderItem, TEXT.empty);
    }

    function renderItem(item) {
      return ws.recordRow(item.title, { report: item.report_id }, item, [["报送编号", item.report_id],
        ["单位", item.unit_name], ["状态", item.status_label], ["照片", item.photo_count + " 张"],
        ["建立时间", ws.shanghai(item.created_at)], ["提交时间", item.submitted_at ? ws.shanghai(item.submitted_at) : null]]);
    }

    async function openReport(id, note) {
      var r = await ws.api("GET", "/reports/" + encodeURIComponent(id));
      if (!r.ok) {
        current = null;
        part("detail-title").textContent = "报送 " + id;
        status.textContent = problemText(r) || ws.MSG.server;
        ["facts", "text", "photos", "actions", "comments"].forEach(function (role) { part(role).textContent = ""; });
        ["edit", "photo-add", "comment-add"].forEach(function (role) { part(role).hidden = true; });
        return;
      }
      show(r.body, note);
    }

    // A report's address: this page with ?report=<id>, after ?status= of the list it came from.
    var listed = null;  // the status the list shows
    async function draw(params) {
      var wanted = params.get("status");
      var known = Array.prototype.some.call(statusSel.options, function (o) { return o.value === wanted; });
      statusSel.value = wanted && known ? wanted : (isCity ? "submitted" : "draft");
      var work = [];
      if (listed !== statusSel.value) work.push(loadList());
      var id = params.get("report");
      part("back").textContent = "";
      part("back").appendChild(ws.route.back("返回报送列表", { report: null }));
      ws.route.view(body, !!id);
      if (id) work.push(openReport(id, ""));
      await Promise.all(work);
    }

    function editable(d) { return canWrite && (d.status === "draft" || d.status === "returned"); }

    function show(d, note) {
      current = d;
      var title = part("detail-title");
      title.textContent = d.title;
      ws.demoBadge(title, d);
      var facts = part("facts");
      facts.textContent = "";
      facts.appendChild(ws.facts([["报送编号", d.report_id], ["单位", d.unit_name], ["状态", d.status_label],
        ["撰写人", (d.created_by_name || ws.actorLabel(d.created_by))], ["建立时间", ws.shanghai(d.created_at)],
        ["提交时间", d.submitted_at ? ws.shanghai(d.submitted_at) : null],
        ["公开时间", d.published_at ? ws.shanghai(d.published_at) : null]]));
      var text = part("text");
      text.textContent = "";
      d.text.split(/\n+/).forEach(function (line) { if (line.trim()) text.appendChild(el("p", null, line)); });
      showPhotos(d);
      part("photo-add").hidden = !(editable(d) && d.photo_count < MAX_PHOTOS);
      var edit = part("edit");
      edit.hidden = !editable(d);
      if (editable(d)) {
        edit.querySelector('[name="title"]').value = d.title;
        edit.querySelector('[name="text"]').value = d.text;
      }
      showActions(d);
      showComments(d);
      part("comment-add").hidden = !canWrite;
      status.textContent = note || "";
      title.focus();
    }

    function showPhotos(d) {
      var holder = part("photos");
      holder.textContent = "";
      for (var n = 0; n < d.photo_count; n++) {
        (function (index) {
          var img = el("img", "ws-report__photo");
          img.alt = fmt(TEXT.photo, index + 1);
          holder.appendChild(img);
          if (editable(d)) {
            holder.appendChild(act(fmt(TEXT.removePhoto, index + 1), "/photos/" + index + "/remove", function () {
              return { version: current.version };
            }, "ws-button ws-button--plain", TEXT.photoRemoved));
          }
          ws.api("GET", "/reports/" + encodeURIComponent(d.report_id) + "/photos/" + index).then(function (r) {
            if (r.ok && /^data:image\/(jpeg|png|webp);base64,/.test(r.body.data_url)) img.src = r.body.data_url;
            else img.replaceWith(el("p", "ws-staff__status", TEXT.photoFailed));
          }, function () { img.replaceWith(el("p", "ws-staff__status", TEXT.photoFailed)); });
        })(n);
      }
    }

    function showComments(d) {
      var holder = part("comments");
      holder.textContent = "";
      if (!d.comments.length) { holder.appendChild(el("p", "ws-staff__empty", TEXT.noComments)); return; }
      var list = el("ul", "ws-records");
      d.comments.forEach(function (c) {
        var li = el("li", "ws-record");
        li.appendChild(el("p", "ws-record__title", (ACTIONS[c.action] || c.action) + "：" + (c.by_name || ws.actorLabel(c.by)) + "（" + c.unit_name +
          "）" + ws.shanghai(c.at)));
        li.appendChild(el("p", null, c.text));
        list.appendChild(li);
      });
      holder.appendChild(list);
    }

    // One POST that moves the report on; the answer is the report as it is now.
    function act(label, path, payload, cls, after) {
      var b = ws.button(label, cls || "ws-button");
      var key = ws.uuid();
      b.addEventListener("click", async function () {
        var data = typeof payload === "function" ? payload() : payload;
        if (!data) return;
        b.disabled = true;
        var r;
        try { r = await ws.api("POST", "/reports/" + encodeURIComponent(current.report_id) + path, data, key); }
        catch (e) { b.disabled = false; if (!e.signedOut) status.textContent = ws.MSG.network; return; }
        b.disabled = false;
        if (r.ok) { show(r.body, after || fmt(TEXT.done, r.body.status_label)); loadList(); return; }
        key = ws.uuid();
        status.textContent = problemText(r) || ws.MSG.server;
        if (r.status === 409) openReport(current.report_id, status.textContent);
      });
      return b;
    }

    function showActions(d) {
      var holder = part("actions");
      holder.textContent = "";
      if (editable(d)) {
        holder.appendChild(act(TEXT.submit, "/submit", function () { return { version: current.version }; },
          "ws-submit", TEXT.submitted));
      }
      if (isCity && d.status === "submitted") {
        var f = el("div", "ws-field");
        var label = el("label", null, TEXT.reviewNote);
        label.htmlFor = "rp-review-note";
        var note = el("textarea");
        note.id = "rp-review-note";
        note.rows = 3;
        note.maxLength = 1000;
        f.appendChild(label);
        f.appendChild(note);
        holder.appendChild(f);
        var review = function (decision) {
          return function () {
            return { decision: decision, comment: note.value.trim() || null, version: current.version };
          };
        };
        holder.appendChild(act(TEXT.accept, "/review", review("accept")));
        holder.appendChild(act(TEXT.giveBack, "/review", review("return"), "ws-button ws-button--plain"));
      }
      if (isCity && d.status === "accepted") {
        holder.appendChild(act(TEXT.publish, "/publication", function () {
          return { published: true, version: current.version };
        }, "ws-button", TEXT.published));
      }
      if (isCity && d.status === "published") {
        holder.appendChild(act(TEXT.unpublish, "/publication", function () {
          return { published: false, version: current.version };
        }, "ws-button ws-button--danger", TEXT.unpublished));
      }
    }

    async function upload(form) {
      var input = form.querySelector('[name="file"]');
      var file = input.files && input.files[0];
      var problem = !file ? TEXT.noFile : TYPES.indexOf(file.type) < 0 ? TEXT.badType :
        file.size > MAX_BYTES ? TEXT.tooBig : "";
      if (problem) { ws.message(form, "error", problem).focus(); return; }
      var id = encodeURIComponent(current.report_id);
      ws.message(form, "info", TEXT.uploading);
      var r = await ws.api("POST", "/reports/" + id + "/uploads", { content_type: file.type, size: file.size },
        ws.uuid());
      if (!r.ok) { ws.message(form, "error", problemText(r) || ws.MSG.server).focus(); return; }
      var data = new FormData();
      Object.keys(r.body.fields).forEach(function (k) { data.append(k, r.body.fields[k]); });
      data.append("file", file);
      var sent;
      try { sent = await fetch(r.body.url, { method: "POST", body: data, credentials: "omit" }); }
      catch (e) { sent = null; }
      if (!sent || !sent.ok) { ws.message(form, "error", TEXT.uploadFailed).focus(); return; }
      var c = await ws.api("POST", "/reports/" + id + "/uploads/" + encodeURIComponent(r.body.upload_id) +
        "/confirm");
      if (!c.ok) { ws.message(form, "error", problemText(c) || ws.MSG.server).focus(); return; }
      form.reset();
      ws.message(form, "success", TEXT.uploaded);
      show(c.body, TEXT.uploaded);
      loadList();
    }

    var photoForm = body.querySelector("#rp-photo");
    photoForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = photoForm.querySelector('button[type="submit"]');
      button.disabled = true;
      upload(photoForm).catch(function (e) {
        if (!e || !e.signedOut) ws.message(photoForm, "error", ws.MSG.network);
      }).then(function () { button.disabled = false; });
    });

    if (canWrite) {
      ws.bindWriteForm(body.querySelector("#rp-new"), {
        send: function (data, key) { return ws.api("POST", "/reports", data, key); },
        done: async function (r) {
          await ws.route.go({ status: "draft", report: r.report_id });
          status.textContent = fmt(TEXT.saved, r.title);
        }
      });
      ws.bindWriteForm(body.querySelector("#rp-edit"), {
        extra: function () { return { version: current.version }; },
        send: function (data, key) {
          return ws.api("PUT", "/reports/" + encodeURIComponent(current.report_id), data, key);
        },
        done: function (r) { show(r, fmt(TEXT.done, "已保存修改")); loadList(); }
      });
      ws.bindWriteForm(body.querySelector("#rp-comment"), {
        send: function (data, key) {
          return ws.api("POST", "/reports/" + encodeURIComponent(current.report_id) + "/comments", data, key);
        },
        done: function (r) { show(r, ""); }
      });
    }

    if (isCity) {  // the city's work is the review queue: it comes first
      var queue = statusSel.closest("section");
      var writing = body.querySelector('[aria-labelledby="rp-new-title"]').parentNode;  // its list-view wrapper
      writing.parentNode.insertBefore(queue, writing);
    }
    statusSel.addEventListener("change", function () { ws.route.go({ status: statusSel.value, report: null }, true); });
    await ws.route.follow(body, draw);
  }

  if (window.wsStaff) window.wsStaff.register("reports", bind);
  else (window.wsStaffPages = window.wsStaffPages || []).push(["reports", bind]);
})();
