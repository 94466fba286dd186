/* A job's page (app/templates/jobs/show.html): while the job is queued or running, asks its status every few
   seconds and moves the progress bar; once it is done or failed, reloads so the server shows the file or why. */
(function () {
  "use strict";
  var page = document.querySelector(".job-page[data-status-url]");
  if (!page) { return; }
  var status = page.getAttribute("data-status");
  if (status !== "queued" && status !== "running") { return; }
  var seconds = parseInt(page.getAttribute("data-refresh-seconds"), 10) || 2;
  var bar = page.querySelector(".job-progress");
  var percent = page.querySelector(".job-percent");
  var label = page.querySelector(".job-status");

  function poll() {
    fetch(page.getAttribute("data-status-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
          return;
        }
        if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
        if (percent) { percent.textContent = job.progress + "%"; }
        if (label) { label.textContent = job.label; }
        window.setTimeout(poll, seconds * 1000);
      })
      .catch(function () { window.setTimeout(poll, seconds * 4000); });
  }
  window.setTimeout(poll, seconds * 1000);
}());
