/* Background import progress: poll the job's JSON status and update the page; when the job has
   finished, load the job's page again (it leads to the review, or shows the failure). Without
   JavaScript a <noscript> meta refresh reloads the page instead. */
(function () {
  "use strict";
  var card = document.querySelector("[data-job-status]");
  if (!card || !window.fetch) {
    return;
  }
  var statusUrl = card.getAttribute("data-job-status");
  function field(name) {
    return card.querySelector('[data-job-field="' + name + '"]');
  }
  function show(data) {
    var state = field("state");
    var text = field("text");
    var bar = field("bar");
    var cancel = field("cancel");
    if (state) {
      state.textContent = data.state_label;
      state.className = "badge job-" + data.state;
    }
    if (text) {
      text.textContent = data.text;
    }
    if (bar) {
      if (data.total > 0) {
        bar.max = data.total;
        bar.value = data.done;
        bar.textContent = Math.round((100 * data.done) / data.total) + "%";
      } else {
        bar.removeAttribute("value");
      }
    }
    if (cancel && data.text.indexOf("正在取消") === 0) {
      cancel.parentNode.removeChild(cancel);
    }
  }
  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.replace(data.url);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
