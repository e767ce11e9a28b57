/* The checks before publishing (templates/admin/articles/article/desk/checks.html): the
   headline and standfirst counters follow each key; on a pause in typing the form is posted to
   live-checks/ (desk/admin/preview.py, articles/checks.py), which saves nothing, and the list
   of problems is replaced by the one it returns. */
(function () {
  "use strict";

  const PAUSE_MS = 800;

  function postedForm(form) {
    const data = new FormData(form);
    for (const input of form.querySelectorAll("input[type=file]")) {
      data.delete(input.name);
    }
    return data;
  }

  function showStat(panel, name, value) {
    const counter = panel.querySelector('[data-stat="' + name + '"]');
    if (!counter) {
      return;
    }
    counter.textContent = String(value);
    const limit = Number(counter.dataset.limit || 0);
    counter.classList.toggle("desk-checks__over", limit > 0 && value > limit);
  }

  function start() {
    const panel = document.querySelector("[data-checks-url]");
    const form = document.getElementById("article_form");
    if (!panel || !form) {
      return;
    }
    const list = panel.querySelector("[data-checks-list]");
    const state = panel.querySelector("[data-checks-state]");

    function countLive() {
      const headline = form.querySelector("#id_headline");
      const standfirst = form.querySelector("#id_standfirst");
      if (headline) {
        showStat(panel, "headline_length", headline.value.trim().replace(/\s+/g, " ").length);
      }
      if (standfirst) {
        showStat(panel, "standfirst_length", standfirst.value.trim().length);
      }
    }

    let latest = 0;
    async function refresh() {
      const mine = ++latest;
      try {
        const response = await fetch(panel.dataset.checksUrl, {
          method: "POST",
          body: postedForm(form),
          credentials: "same-origin",
        });
        if (mine !== latest) {
          return;
        }
        if (!response.ok) {
          state.hidden = false;
          state.textContent = "Checks not updated: the form has errors (the preview says which).";
          return;
        }
        const data = await response.json();
        if (mine !== latest) {
          return;
        }
        list.innerHTML = data.html; /* rendered and escaped by the server's template */
        for (const [name, value] of Object.entries(data.stats)) {
          showStat(panel, name, value);
        }
        state.hidden = true;
      } catch (error) {
        state.hidden = false;
        state.textContent = "Checks not updated: " + error.message;
      }
    }

    let timer = null;
    function soon() {
      countLive();
      clearTimeout(timer);
      timer = setTimeout(refresh, PAUSE_MS);
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    if (window.django && window.django.jQuery) {
      window.django.jQuery(form).on("change", "select", soon);
      window.django.jQuery(document).on("formset:removed formset:added", soon);
    }
    countLive();
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
