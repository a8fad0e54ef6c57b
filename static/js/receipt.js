/* The receipt's buttons: print it, and share the tracking link through the phone's own share
   sheet (Web Share API). Without the API the share link stays a plain link to the page. */
(function () {
  "use strict";

  var print = document.querySelector("[data-print]");
  if (print && typeof window.print === "function") {
    print.hidden = false;
    print.addEventListener("click", function () {
      window.print();
    });
  }

  var share = document.querySelector("[data-share]");
  var done = document.querySelector("[data-share-done]");
  if (!share || typeof navigator.share !== "function") return;
  share.addEventListener("click", function (event) {
    var data = {
      title: share.getAttribute("data-share-title") || document.title,
      text: share.getAttribute("data-share-text") || "",
      url: share.href,
    };
    if (navigator.canShare && !navigator.canShare(data)) return; // the plain link then
    event.preventDefault();
    navigator.share(data).then(
      function () {
        if (done) {
          done.textContent = "Tautan lacak dibagikan.";
          done.hidden = false;
        }
      },
      function () {
        /* cancelled by the user: nothing to say */
      }
    );
  });
})();
