// Poll the progress of a ledger export and update the status page until it
// is done or has failed. The element #export-progress carries the URL of
// the JSON progress view in data-progress-url.
(function () {
  "use strict";

  var POLL_MILLISECONDS = 1000;
  var container = document.getElementById("export-progress");
  if (!container) {
    return;
  }

  var bar = container.querySelector("[data-role=bar]");
  var progress = container.querySelector("[role=progressbar]");
  var statusText = container.querySelector("[data-role=status]");
  var errorText = container.querySelector("[data-role=error]");
  var download = container.querySelector("[data-role=download]");

  function show(data) {
    bar.style.width = data.percent + "%";
    bar.textContent = data.percent + "%";
    progress.setAttribute("aria-valuenow", String(data.percent));
    statusText.textContent = data.status_label + " · " + data.rows_written + " / " + data.total_rows;
    if (data.status === "done" && data.download_url) {
      download.href = data.download_url;
      download.hidden = false;
    }
    if (data.status === "failed") {
      errorText.hidden = false;
    }
  }

  function poll() {
    fetch(container.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress request failed with HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.status !== "done" && data.status !== "failed") {
          window.setTimeout(poll, POLL_MILLISECONDS);
        }
      })
      .catch(function (error) {
        statusText.textContent = error.message;
        window.setTimeout(poll, POLL_MILLISECONDS * 5);
      });
  }

  if (container.dataset.status !== "done" && container.dataset.status !== "failed") {
    poll();
  }
})();
