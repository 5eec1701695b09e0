/*
 * Elder mode (长辈版) and the text size, following the MIIT 适老化 rules: chosen once, remembered
 * on this device. Loaded in <head> so that the page is drawn at the chosen size from the start.
 * Also the 朗读 button: the page's current item, motion and ballot options read aloud through
 * the browser's speech synthesis in the page's language (zh-CN or en); the button stays hidden
 * where the browser has no voice for it.
 */
(function (global) {
  "use strict";

  var SIZES = [18, 20, 22, 24, 27, 30];     // px of the main text; elder mode starts at 24
  var NORMAL_LEVEL = 0, ELDER_LEVEL = 3;
  var root = document.documentElement;

  function recall(key) { try { return global.localStorage.getItem(key); } catch (e) { return null; } }
  function remember(key, value) { try { global.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }

  function elderOn() { return recall("rt:elder") === "1"; }
  function level() {
    var stored = parseInt(recall("rt:text-level"), 10);
    if (!isNaN(stored) && stored >= 0 && stored < SIZES.length) return stored;
    return elderOn() ? ELDER_LEVEL : NORMAL_LEVEL;
  }

  function apply() {
    root.classList.toggle("elder", elderOn());
    root.style.fontSize = SIZES[level()] + "px";
    root.dataset.textLevel = String(level());
    document.querySelectorAll("[data-elder-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", elderOn() ? "true" : "false");
    });
    document.querySelectorAll("[data-text-size]").forEach(function (button) {
      var step = parseInt(button.dataset.textSize, 10);
      var next = level() + step;
      button.disabled = next < 0 || next >= SIZES.length;
    });
  }
  apply();

  /* ---- reading aloud ------------------------------------------------------------------------ */

  var synth = global.speechSynthesis;
  var canSpeak = !!synth && typeof global.SpeechSynthesisUtterance === "function";

  function pageLanguage() { return root.getAttribute("lang") || "zh-CN"; }

  function pageVoice() {
    var voices = canSpeak ? synth.getVoices() : [];
    var base = pageLanguage().split(/[-_]/)[0].toLowerCase();
    for (var i = 0; i < voices.length; i += 1) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === base) return voices[i];
    }
    return null;
  }

  /* The page's sentence end, in its language (the button's data-sentence-end). */
  function sentenceEnd() {
    var button = document.querySelector("[data-read-aloud]");
    return (button && button.dataset.sentenceEnd) || " ";
  }

  /* What to read: the page may offer RoundtableReadAloud(); otherwise every [data-read] element. */
  function textToRead() {
    if (typeof global.RoundtableReadAloud === "function") return global.RoundtableReadAloud();
    return Array.prototype.map.call(document.querySelectorAll("[data-read]"), function (node) {
      return node.textContent.trim();
    }).filter(Boolean).join(sentenceEnd());
  }

  function readAloud() {
    var text = textToRead();
    if (!canSpeak || !text) return;
    synth.cancel();
    var utterance = new global.SpeechSynthesisUtterance(text);
    utterance.lang = pageLanguage();
    utterance.rate = 0.9;
    var voice = pageVoice();
    if (voice) utterance.voice = voice;
    synth.speak(utterance);
  }

  function showReadButton() {
    // Voices load late in some browsers; the button appears once a voice of the page's language is known.
    var usable = canSpeak && (pageVoice() !== null);
    document.querySelectorAll("[data-read-aloud]").forEach(function (button) { button.hidden = !usable; });
  }

  /* ---- controls ---------------------------------------------------------------------------- */

  document.addEventListener("DOMContentLoaded", function () {
    apply();
    document.querySelectorAll("[data-elder-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        var on = !elderOn();
        remember("rt:elder", on ? "1" : "0");
        remember("rt:text-level", String(on ? Math.max(level(), ELDER_LEVEL) : NORMAL_LEVEL));
        apply();
      });
    });
    document.querySelectorAll("[data-text-size]").forEach(function (button) {
      button.addEventListener("click", function () {
        var next = Math.min(SIZES.length - 1, Math.max(0, level() + parseInt(button.dataset.textSize, 10)));
        remember("rt:text-level", String(next));
        apply();
      });
    });
    document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
      button.addEventListener("click", readAloud);
    });
    showReadButton();
    if (canSpeak && "onvoiceschanged" in synth) synth.addEventListener("voiceschanged", showReadButton);
  });

  global.RoundtableElder = { apply: apply, sizes: SIZES, canSpeak: function () { return canSpeak; } };
})(window);
