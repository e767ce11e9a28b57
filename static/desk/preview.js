/* The live preview beside the change form (templates/admin/articles/article/desk/preview.html):
   on a pause in typing, the form as it is now is posted to live-preview/ (desk/admin/preview.py),
   which saves nothing, and the story it returns is shown in the frame, at phone or desktop
   width. Chosen image files are not sent: nothing is uploaded for a preview. */
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

  async function fetchPreview(url, form) {
    const response = await fetch(url, {
      method: "POST",
      body: postedForm(form),
      credentials: "same-origin",
    });
    if (!response.ok) {
      let reason = "the server answered " + response.status;
      try {
        const data = await response.json();
        reason = Object.entries(data.errors)
          .map(([field, messages]) => field.replace(/_/g, " ") + ": " + messages.join(" "))
          .join("; ");
      } catch (error) {
        /* not JSON: keep the status */
      }
      throw new Error(reason);
    }
    return response.text();
  }

  function start() {
    const panel = document.querySelector("[data-preview-url]");
    const form = document.getElementById("article_form");
    if (!panel || !form) {
      return;
    }
    const url = panel.dataset.previewUrl;
    const frame = panel.querySelector("[data-preview-frame]");
    const state = panel.querySelector("[data-preview-state]");
    const widthButtons = panel.querySelectorAll("[data-preview-width]");
    panel.querySelector("[data-preview-controls]").hidden = false;
    panel.querySelector("[data-preview-viewport]").hidden = false;

    let latest = 0;
    let keptScroll = 0;
    async function refresh() {
      const mine = ++latest;
      state.textContent = "Updating the preview…";
      try {
        const html = await fetchPreview(url, form);
        if (mine !== latest) {
          return; /* a newer request is on its way */
        }
        try {
          keptScroll = frame.contentWindow ? frame.contentWindow.scrollY : 0;
        } catch (error) {
          keptScroll = 0;
        }
        frame.srcdoc = html;
        state.textContent = "The preview shows the form as it is now, not saved.";
      } catch (error) {
        if (mine === latest) {
          state.textContent = "Preview not updated: " + error.message;
        }
      }
    }
    frame.addEventListener("load", function () {
      if (keptScroll && frame.contentWindow) {
        frame.contentWindow.scrollTo(0, keptScroll);
      }
    });

    let timer = null;
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, PAUSE_MS);
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    if (window.django && window.django.jQuery) {
      /* The admin's autocompletes (bylines, people) announce changes through jQuery only. */
      window.django.jQuery(form).on("change", "select", soon);
      window.django.jQuery(document).on("formset:removed formset:added", soon);
    }

    for (const button of widthButtons) {
      button.addEventListener("click", function () {
        for (const other of widthButtons) {
          other.setAttribute("aria-pressed", String(other === button));
        }
        const width = button.dataset.previewWidth;
        frame.classList.toggle("desk-preview__frame--phone", width === "phone");
        frame.classList.toggle("desk-preview__frame--desktop", width === "desktop");
      });
    }

    panel.querySelector("[data-preview-open]").addEventListener("click", async function () {
      const opened = window.open("", "_blank");
      if (!opened) {
        state.textContent = "The browser did not open a new window: allow pop-ups for the desk.";
        return;
      }
      opened.document.title = "Preview";
      try {
        const html = await fetchPreview(url, form);
        opened.document.open();
        opened.document.write(html);
        opened.document.close();
      } catch (error) {
        opened.document.body.textContent = "Preview not available: " + error.message;
      }
    });

    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
