// Calendar days in the reader's time zone, for the room log's day lines ("Today",
// "Yesterday", or the date, as the terminal client draws them) and a time's full date on hover.
"use strict";

(() => {
  const lang = () => document.documentElement.lang || undefined;
  const pad = (n) => String(n).padStart(2, "0");

  /** "2026-11-24": the reader's calendar day of `date`. */
  function dayKey(date) {
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  /** The day line's words for `key`: `texts.today`, `texts.yesterday`, or the long date in
   * the page's language. */
  function dayLabel(key, texts) {
    const now = new Date();
    if (key === dayKey(now)) return texts.today;
    if (key === dayKey(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1))) {
      return texts.yesterday;
    }
    const [year, month, day] = key.split("-").map(Number);
    return new Date(year, month - 1, day).toLocaleDateString(lang(), {
      weekday: "long", year: "numeric", month: "long", day: "numeric",
    });
  }

  /** The whole date and time, for a message time's title. */
  function fullDateTime(date) {
    return date.toLocaleString(lang(), { dateStyle: "full", timeStyle: "medium" });
  }

  /** Milliseconds until the reader's next midnight, when "Today" becomes "Yesterday". */
  function untilMidnight() {
    const now = new Date();
    const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    return midnight - now + 1000;
  }

  window.chat.days = Object.freeze({ dayKey, dayLabel, fullDateTime, untilMidnight });
})();
