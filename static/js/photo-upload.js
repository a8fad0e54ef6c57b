/* Every photo from a phone on a slow link, the same way: progress photos (a form with
 * data-photo-upload) and proposal documents (file inputs with data-photo-upload, inside or
 * attached by form="…" to the form that sends them).
 *
 * Without this script the page is a plain multi-file form and the server resizes. With it, each
 * file goes up in its own request, one after the other, with its own progress bar; a request
 * that fails on the network is retried (2, 5, 10, 20 s), and one file failing never loses the
 * others. A file the server refuses (not an image, too big) says why and is not retried.
 *
 * The time and GPS of a JPEG are read from the phone's original first, before anything else,
 * and sent beside the file (client_taken_at, client_latitude, client_longitude): resizing drops
 * the EXIF. The server prefers the EXIF still in the file and keeps these marked as "sent by the
 * phone", never as verified. Images bigger than data-send-original-up-to bytes are resized here
 * (canvas → JPEG, at most 1600 px); PDFs and images the browser cannot open (HEIC outside
 * Safari) go as they are. Every file carries a random token, so a retry after a lost answer is
 * not stored twice.
 */
(function () {
  "use strict";

  if (!window.FormData || !window.XMLHttpRequest || !window.Promise) return;
  var MAX_SIDE = 1600;
  var QUALITY = 0.8;
  var RETRY_DELAYS = [2000, 5000, 10000, 20000];

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var s = "";
    for (var i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  }

  function megabytes(bytes) {
    if (bytes < 1048576) return Math.max(1, Math.round(bytes / 1024)) + " kB";
    return (bytes / 1048576).toFixed(1).replace(".", ",") + " MB";
  }

  // --- EXIF of a JPEG: DateTimeOriginal and GPS, read before resizing loses them. -----------

  function parseTiff(view, start) {
    var little = view.getUint16(start) === 0x4949;
    function u16(o) { return view.getUint16(start + o, little); }
    function u32(o) { return view.getUint32(start + o, little); }
    function ifd(o) {
      var tags = {};
      var count = u16(o);
      for (var i = 0; i < count; i++) {
        var entry = o + 2 + i * 12;
        tags[u16(entry)] = { type: u16(entry + 2), count: u32(entry + 4), at: entry + 8 };
      }
      return tags;
    }
    function ascii(tag) {
      var o = tag.count > 4 ? u32(tag.at) : tag.at;
      var text = "";
      for (var i = 0; i < tag.count; i++) {
        var c = view.getUint8(start + o + i);
        if (!c) break;
        text += String.fromCharCode(c);
      }
      return text;
    }
    function rationals(tag) {
      var o = u32(tag.at);
      var out = [];
      for (var i = 0; i < tag.count; i++) {
        var n = u32(o + i * 8);
        var d = u32(o + i * 8 + 4);
        out.push(d ? n / d : NaN);
      }
      return out;
    }
    function degrees(tag, refTag, negative) {
      var dms = rationals(tag);
      var value = dms[0] + (dms[1] || 0) / 60 + (dms[2] || 0) / 3600;
      if (refTag && ascii(refTag).toUpperCase() === negative) value = -value;
      return isFinite(value) ? value.toFixed(6) : "";
    }
    var result = {};
    var ifd0 = ifd(u32(4));
    if (ifd0[0x8769]) {
      var exif = ifd(u32(ifd0[0x8769].at));
      if (exif[0x9003]) result.takenAt = ascii(exif[0x9003]);
    }
    if (!result.takenAt && ifd0[0x0132]) result.takenAt = ascii(ifd0[0x0132]);
    if (ifd0[0x8825]) {
      var gps = ifd(u32(ifd0[0x8825].at));
      if (gps[2] && gps[4]) {
        result.latitude = degrees(gps[2], gps[1], "S");
        result.longitude = degrees(gps[4], gps[3], "W");
      }
    }
    return result;
  }

  function readExif(file) {
    if (!file.slice || !window.DataView) return Promise.resolve({});
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () {
        try {
          var view = new DataView(reader.result);
          if (view.getUint16(0) !== 0xffd8) return resolve({});
          var offset = 2;
          while (offset + 10 < view.byteLength) {
            var marker = view.getUint16(offset);
            if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) break;
            var length = view.getUint16(offset + 2);
            if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) {
              return resolve(parseTiff(view, offset + 10));
            }
            offset += 2 + length;
          }
        } catch (error) { /* damaged EXIF: send without it */ }
        resolve({});
      };
      reader.onerror = function () { resolve({}); };
      reader.readAsArrayBuffer(file.slice(0, 262144));
    });
  }

  // --- Resizing on the phone ---------------------------------------------------------------

  function decode(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return decodeWithImage(file);
      });
    }
    return decodeWithImage(file);
  }

  function decodeWithImage(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { resolve(image); };
      image.onerror = function () { URL.revokeObjectURL(url); resolve(null); };
      image.src = url;
    });
  }

  function resize(file) {
    return decode(file).then(function (source) {
      if (!source) return null;
      var width = source.width;
      var height = source.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
      if (source.close) source.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob); }, "image/jpeg", QUALITY);
      });
    });
  }

  function isImage(file) {
    return /^image\//.test(file.type || "") || /\.(jpe?g|png|webp|hei[cf])$/i.test(file.name || "");
  }

  function prepare(item, sendOriginalUpTo) {
    if (item.prepared) return Promise.resolve(item.prepared);
    var file = item.file;
    if (!isImage(file)) {
      item.prepared = { blob: file, name: file.name, fields: {} };
      return Promise.resolve(item.prepared);
    }
    // The EXIF first: the resized copy has none.
    return readExif(file).then(function (meta) {
      var fields = {};
      if (meta.takenAt) fields.client_taken_at = meta.takenAt;
      if (meta.latitude && meta.longitude) {
        fields.client_latitude = meta.latitude;
        fields.client_longitude = meta.longitude;
      }
      if (file.size <= sendOriginalUpTo) {
        item.prepared = { blob: file, name: file.name, fields: fields };
        return item.prepared;
      }
      setStatus(item, "Memperkecil foto…");
      return resize(file).then(function (blob) {
        if (!blob) {
          // The browser cannot open it (HEIC outside Safari): the server makes the copies.
          item.prepared = { blob: file, name: file.name, fields: fields };
          return item.prepared;
        }
        fields.client_resized = "1";
        item.prepared = {
          blob: blob,
          name: (file.name || "foto").replace(/\.[^.]+$/, "") + ".jpg",
          fields: fields,
        };
        return item.prepared;
      });
    }).catch(function () {
      item.prepared = { blob: file, name: file.name, fields: {} };
      return item.prepared;
    });
  }

  // --- One queue per page: files go up one after the other ---------------------------------

  function setStatus(item, text, state) {
    item.status.textContent = text;
    item.row.className = state || "";
  }

  function addRow(item, list) {
    var row = document.createElement("li");
    var thumb;
    if (/^image\/(jpeg|png|webp|gif)$/.test(item.file.type)) {
      thumb = document.createElement("img");
      thumb.alt = "";
      thumb.addEventListener("error", function () { thumb.removeAttribute("src"); }, { once: true });
      thumb.src = URL.createObjectURL(item.file);
    } else {
      thumb = document.createElement("span");
      thumb.className = "ph";
    }
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = item.file.name + (item.label ? " · " + item.label : "") + " · " +
      megabytes(item.file.size);
    var status = document.createElement("span");
    status.className = "status";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    row.appendChild(thumb);
    row.appendChild(name);
    row.appendChild(status);
    row.appendChild(bar);
    list.appendChild(row);
    item.row = row;
    item.status = status;
    item.bar = bar;
    item.thumb = thumb;
    setStatus(item, "Menunggu giliran…");
  }

  function wait(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  function Uploader(form, options) {
    this.form = form;
    this.options = options;
    this.queue = [];
    this.busy = false;
    this.sendOriginalUpTo = Number(options.sendOriginalUpTo) || 524288;
    this.maxBytes = Number(options.maxBytes) || 10485760;
  }

  Uploader.prototype.csrfToken = function () {
    var field = this.form.querySelector('[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  };

  Uploader.prototype.add = function (item, list) {
    item.token = newToken();
    item.attempt = 0;
    addRow(item, list);
    this.queue.push(item);
  };

  Uploader.prototype.send = function (item) {
    var self = this;
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", self.csrfToken());
      Object.keys(item.extra || {}).forEach(function (key) { data.append(key, item.extra[key]); });
      data.append("client_token", item.token);
      Object.keys(item.prepared.fields).forEach(function (key) {
        data.append(key, item.prepared.fields[key]);
      });
      data.append(item.field, item.prepared.blob, item.prepared.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", self.form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", self.csrfToken());
      xhr.timeout = 600000;
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) {
          item.bar.value = Math.round((event.loaded / event.total) * 100);
          setStatus(item, "Mengirim " + item.bar.value + "%…", "sending");
        }
      };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (error) { body = {}; }
        resolve({ status: xhr.status, body: body });
      };
      xhr.onerror = function () { resolve({ status: 0, body: {} }); };
      xhr.ontimeout = function () { resolve({ status: 0, body: {} }); };
      xhr.send(data);
    });
  };

  Uploader.prototype.retryButton = function (item) {
    var self = this;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-secondary retry";
    button.textContent = "Kirim ulang";
    button.addEventListener("click", function () {
      item.attempt = 0;
      button.remove();
      setStatus(item, "Menunggu giliran…");
      self.queue.push(item);
      self.pump();
    });
    item.status.appendChild(button);
  };

  Uploader.prototype.upload = function (item) {
    var self = this;
    return prepare(item, this.sendOriginalUpTo)
      .then(function (prepared) {
        if (prepared.blob.size > self.maxBytes) {
          setStatus(item, "Terlalu besar (" + megabytes(prepared.blob.size) + "); paling besar " +
            megabytes(self.maxBytes) + ".", "failed");
          return null;
        }
        setStatus(item, "Mengirim…", "sending");
        return self.send(item);
      })
      .then(function (answer) {
        if (!answer) return;
        if (answer.status === 200 || answer.status === 201) {
          item.bar.value = 100;
          setStatus(item, answer.body.message || "Tersimpan.", "done");
          if (answer.body.thumbnail && item.thumb.tagName === "IMG") item.thumb.src = answer.body.thumbnail;
          return;
        }
        var retryable = answer.status === 0 || answer.status === 408 || answer.status === 429 ||
          answer.status >= 500;
        if (retryable && item.attempt < RETRY_DELAYS.length) {
          var delay = RETRY_DELAYS[item.attempt];
          item.attempt += 1;
          setStatus(item, "Sinyal terputus; mencoba lagi dalam " + delay / 1000 + " detik…", "sending");
          return wait(delay).then(function () { return self.upload(item); });
        }
        var message = answer.body.error ||
          (answer.status === 413 ? "Berkas terlalu besar untuk dikirim." :
            retryable ? "Gagal terkirim setelah beberapa kali mencoba." : "Berkas ditolak server.");
        setStatus(item, message, "failed");
        if (retryable) self.retryButton(item);
      })
      .catch(function () {
        setStatus(item, "Berkas tidak dapat disiapkan di ponsel ini.", "failed");
        self.retryButton(item);
      });
  };

  Uploader.prototype.pump = function () {
    var self = this;
    if (this.busy) return;
    var item = this.queue.shift();
    if (!item) {
      this.options.done(this);
      return;
    }
    this.busy = true;
    this.upload(item).then(function () {
      self.busy = false;
      self.pump();
    });
  };

  function summary(uploader, lists, anchor, text) {
    var done = 0;
    var failed = 0;
    lists.forEach(function (list) {
      done += list.querySelectorAll("li.done").length;
      failed += list.querySelectorAll("li.failed").length;
    });
    var note = uploader.note;
    if (!note) {
      note = uploader.note = document.createElement("p");
      note.setAttribute("data-queue-summary", "");
      note.setAttribute("role", "status");
      anchor.parentNode.insertBefore(note, anchor.nextSibling);
    }
    note.className = "msg" + (failed ? " msg-warning" : "");
    note.textContent = done + " " + text + " tersimpan" + (failed ? ", " + failed + " gagal. " : ". ");
    return failed;
  }

  // --- Progress photos: one form, one file input, a stage and a caption --------------------

  function progressPhotos(form) {
    var input = form.querySelector('input[type="file"]');
    var list = form.querySelector("[data-queue]");
    var uploader = new Uploader(form, {
      sendOriginalUpTo: form.getAttribute("data-send-original-up-to"),
      maxBytes: form.getAttribute("data-max-bytes"),
      done: function () {
        summary(uploader, [list], list, "foto");
        var reload = document.createElement("a");
        reload.href = window.location.pathname;
        reload.textContent = "Muat ulang untuk melihat semua foto";
        uploader.note.appendChild(reload);
      },
    });
    form.addEventListener("submit", function (event) {
      var files = Array.prototype.slice.call(input.files || []);
      var stage = form.querySelector('input[name="stage"]:checked');
      if (!files.length || !stage) return; // let the server say what is missing
      event.preventDefault();
      var caption = (form.querySelector('[name="caption"]') || { value: "" }).value;
      files.forEach(function (file) {
        uploader.add({
          file: file, field: "photo", label: stage.value + "%",
          extra: { stage: stage.value, caption: caption },
        }, list);
      });
      input.value = "";
      uploader.pump();
    });
  }

  // --- Documents: file inputs of one form (the flow's documents step, the edit page) --------

  function documents(form, inputs) {
    var lists = [];
    var submitter = null;
    var uploader = new Uploader(form, {
      sendOriginalUpTo: form.getAttribute("data-send-original-up-to"),
      maxBytes: form.getAttribute("data-max-bytes"),
      done: function () {
        var failed = summary(uploader, lists, lists[lists.length - 1] || form, "berkas");
        if (failed) return;
        // Every file is kept: go where the form says (the edit page's document card), else as
        // the button asked (the flow's "Simpan dan lanjut" goes on to the next step; "Unggah",
        // named "stay", shows this step again with the files).
        var after = form.getAttribute("data-after-upload");
        if (after) {
          window.location.assign(after);
        } else if (submitter && !submitter.name) {
          form.submit();
        } else {
          window.location.assign(window.location.pathname);
        }
      },
    });
    form.addEventListener("click", function (event) {
      if (event.target.type === "submit") submitter = event.target;
    });
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return; // another script asked first and was told no
      if (uploader.busy) { event.preventDefault(); return; }
      var items = [];
      inputs.forEach(function (input) {
        Array.prototype.slice.call(input.files || []).forEach(function (file) {
          items.push({ input: input, file: file });
        });
      });
      if (!items.length) return; // nothing to send: the form goes on as it is
      event.preventDefault();
      submitter = event.submitter || submitter;
      var extra = {};
      Array.prototype.slice.call(form.elements).forEach(function (field) {
        if (field.name && field.type === "hidden" && field.name !== "csrfmiddlewaretoken") {
          extra[field.name] = field.value;
        }
      });
      if (submitter && submitter.name) extra[submitter.name] = submitter.value;
      items.forEach(function (entry) {
        var list = entry.input.queueList;
        if (!list) {
          list = entry.input.queueList = document.createElement("ul");
          list.className = "queue-list";
          list.setAttribute("aria-live", "polite");
          entry.input.parentNode.insertBefore(list, entry.input.nextSibling);
          lists.push(list);
        }
        uploader.add({ file: entry.file, field: entry.input.name, extra: extra }, list);
      });
      inputs.forEach(function (input) { input.value = ""; });
      uploader.pump();
    });
  }

  // --- One photo sent with the rest of a form (the resident's usulan) -----------------------
  // The form goes up as one request, as without script; the photo in it is first resized here
  // like every other photo, and what the phone read of its EXIF goes beside it.

  function photoWithForm(input) {
    var form = input.form;
    if (!form || !window.DataTransfer) return;
    var note = document.createElement("p");
    note.className = "small muted";
    note.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(note, input.nextSibling);
    var ready = false;
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (ready || !file || !isImage(file)) return;
      event.preventDefault();
      var item = { file: file, status: note, row: note };
      prepare(item, Number(input.getAttribute("data-send-original-up-to")) || 0).then(function (prepared) {
        Object.keys(prepared.fields).forEach(function (name) {
          var field = form.querySelector('[name="' + name + '"]');
          if (field) field.value = prepared.fields[name];
        });
        if (prepared.blob !== file) {
          var transfer = new DataTransfer();
          transfer.items.add(new File([prepared.blob], prepared.name, { type: "image/jpeg" }));
          input.files = transfer.files;
        }
        note.textContent = "Mengirim…";
        ready = true;
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
    });
  }

  Array.prototype.slice.call(document.querySelectorAll('input[type="file"][data-photo-resize]')).forEach(photoWithForm);
  Array.prototype.slice.call(document.querySelectorAll("form[data-photo-upload]")).forEach(progressPhotos);
  var byForm = [];
  Array.prototype.slice.call(document.querySelectorAll('input[type="file"][data-photo-upload]'))
    .forEach(function (input) {
      var form = input.form;
      if (!form) return;
      var entry = byForm.filter(function (e) { return e.form === form; })[0];
      if (!entry) byForm.push(entry = { form: form, inputs: [] });
      entry.inputs.push(input);
    });
  byForm.forEach(function (entry) { documents(entry.form, entry.inputs); });
})();
