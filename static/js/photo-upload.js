/* Progress photos from a phone on a slow link.
 *
 * Without this script the page is a plain multi-file form. With it, each photo goes up in its
 * own request, one after the other, with its own progress bar; a request that fails on the
 * network is retried (2, 5, 10, 20 s), and one photo failing never loses the others. A photo
 * the server refuses (not an image, too big) says why and is not retried.
 *
 * Photos up to data-send-original-up-to bytes are sent as taken: the server reads their EXIF
 * time and GPS itself. Bigger ones are resized here (canvas → JPEG, at most 2048 px), which
 * drops the EXIF, so the time and GPS are read from the original first and sent as separate
 * fields; the server keeps them marked as "sent by the phone", never as verified. Every photo
 * carries a random token, so a retry after a lost answer is not stored twice.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-photo-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.Promise) return;
  var input = form.querySelector('input[type="file"]');
  var queueList = form.querySelector("[data-queue]");
  var sendOriginalUpTo = Number(form.getAttribute("data-send-original-up-to")) || 3145728;
  var maxBytes = Number(form.getAttribute("data-max-bytes")) || 10485760;
  var MAX_SIDE = 2048;
  var QUALITY = 0.85;
  var RETRY_DELAYS = [2000, 5000, 10000, 20000];
  var queue = [];
  var busy = false;

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var s = "";
    for (var i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  }

  function csrfToken() {
    var field = form.querySelector('[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
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

  function prepare(item) {
    if (item.prepared) return Promise.resolve(item.prepared);
    var file = item.file;
    if (file.size <= sendOriginalUpTo) {
      item.prepared = { blob: file, name: file.name, fields: {} };
      return Promise.resolve(item.prepared);
    }
    setStatus(item, "Memperkecil foto…");
    return readExif(file).then(function (meta) {
      return resize(file).then(function (blob) {
        if (!blob) {
          // The browser cannot open it (HEIC outside Safari): send the original as it is.
          item.prepared = { blob: file, name: file.name, fields: {} };
          return item.prepared;
        }
        var fields = { client_resized: "1" };
        if (meta.takenAt) fields.client_taken_at = meta.takenAt;
        if (meta.latitude && meta.longitude) {
          fields.client_latitude = meta.latitude;
          fields.client_longitude = meta.longitude;
        }
        item.prepared = {
          blob: blob,
          name: (file.name || "foto").replace(/\.[^.]+$/, "") + ".jpg",
          fields: fields,
        };
        return item.prepared;
      });
    });
  }

  // --- The queue ---------------------------------------------------------------------------

  function setStatus(item, text, state) {
    item.status.textContent = text;
    item.row.className = state || "";
  }

  function addRow(item) {
    var row = document.createElement("li");
    var thumb;
    if (/^image\/(jpeg|png|webp|gif)$/.test(item.file.type)) {
      thumb = document.createElement("img");
      thumb.alt = "";
      thumb.onerror = function () {
        thumb.removeAttribute("src");
        thumb.onerror = null;
      };
      thumb.src = URL.createObjectURL(item.file);
    } else {
      thumb = document.createElement("span");
      thumb.className = "ph";
    }
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = item.file.name + " · " + item.stage + "% · " + megabytes(item.file.size);
    var status = document.createElement("span");
    status.className = "status";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    row.appendChild(thumb);
    row.appendChild(name);
    row.appendChild(status);
    row.appendChild(bar);
    queueList.appendChild(row);
    item.row = row;
    item.status = status;
    item.bar = bar;
    item.thumb = thumb;
    setStatus(item, "Menunggu giliran…");
  }

  function retryButton(item) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-secondary retry";
    button.textContent = "Kirim ulang";
    button.addEventListener("click", function () {
      item.attempt = 0;
      button.remove();
      setStatus(item, "Menunggu giliran…");
      queue.push(item);
      pump();
    });
    item.status.appendChild(button);
  }

  function send(item) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken());
      data.append("stage", item.stage);
      data.append("caption", item.caption);
      data.append("client_token", item.token);
      Object.keys(item.prepared.fields).forEach(function (key) {
        data.append(key, item.prepared.fields[key]);
      });
      data.append("photo", item.prepared.blob, item.prepared.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
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
  }

  function wait(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  function upload(item) {
    return prepare(item)
      .then(function (prepared) {
        if (prepared.blob.size > maxBytes) {
          setStatus(item, "Terlalu besar (" + megabytes(prepared.blob.size) + "); paling besar " +
            megabytes(maxBytes) + ".", "failed");
          return null;
        }
        setStatus(item, "Mengirim…", "sending");
        return send(item);
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
          return wait(delay).then(function () { return upload(item); });
        }
        var message = answer.body.error ||
          (answer.status === 413 ? "Foto terlalu besar untuk dikirim." :
            retryable ? "Gagal terkirim setelah beberapa kali mencoba." : "Foto ditolak server.");
        setStatus(item, message, "failed");
        if (retryable) retryButton(item);
      })
      .catch(function () {
        setStatus(item, "Foto tidak dapat disiapkan di ponsel ini.", "failed");
        retryButton(item);
      });
  }

  function summary() {
    var done = queueList.querySelectorAll("li.done").length;
    var failed = queueList.querySelectorAll("li.failed").length;
    var note = form.querySelector("[data-queue-summary]");
    if (!note) {
      note = document.createElement("p");
      note.setAttribute("data-queue-summary", "");
      note.setAttribute("role", "status");
      queueList.parentNode.insertBefore(note, queueList.nextSibling);
    }
    note.className = "msg" + (failed ? " msg-warning" : "");
    note.textContent = done + " foto tersimpan" + (failed ? ", " + failed + " gagal. " : ". ");
    var reload = document.createElement("a");
    reload.href = window.location.pathname;
    reload.textContent = "Muat ulang untuk melihat semua foto";
    note.appendChild(reload);
  }

  function pump() {
    if (busy) return;
    var item = queue.shift();
    if (!item) {
      summary();
      return;
    }
    busy = true;
    upload(item).then(function () {
      busy = false;
      pump();
    });
  }

  form.addEventListener("submit", function (event) {
    var files = Array.prototype.slice.call(input.files || []);
    var stage = form.querySelector('input[name="stage"]:checked');
    if (!files.length || !stage) return; // let the server say what is missing
    event.preventDefault();
    var caption = (form.querySelector('[name="caption"]') || { value: "" }).value;
    files.forEach(function (file) {
      var item = { file: file, stage: stage.value, caption: caption, token: newToken(), attempt: 0 };
      addRow(item);
      queue.push(item);
    });
    input.value = "";
    pump();
  });
})();
