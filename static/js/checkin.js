/* The check-in page: check in today, make up a missed day (after a confirmation in place),
   and redraw the streak, the month, the next milestone and the points from the API. Errors
   are shown on the page, in Chinese, as the API words them. */
(function () {
  "use strict";
  const { api, toast, escapeHtml } = window.Micromall;
  const root = document.getElementById("checkin");
  if (!root) return;

  const button = root.querySelector("[data-checkin]");
  const message = root.querySelector("[data-message]");
  const makeupMessage = document.querySelector("[data-makeup-message]");
  const confirmBar = document.querySelector("[data-makeup-confirm]");
  const cost = Number(root.dataset.makeupCost || 0);
  let pendingDay = null;

  function say(text, isError, where) {
    const el = where || message;
    el.textContent = text;
    el.classList.toggle("error", Boolean(isError));
  }

  function rewardWords(rewards) {
    return rewards.map((r) => {
      if (r.kind === "points") return `${r.points} 积分`;
      if (r.kind === "coupon") return `优惠券「${r.coupon.title}」`;
      if (r.kind === "balance") return `余额 ${(r.balance_fen / 100).toFixed(2)} 元`;
      return "";
    }).filter(Boolean).join("、");
  }

  function markFor(day) {
    if (day.checked_in) return day.is_makeup ? "补" : "✓";
    if (day.can_make_up) return "补签";
    return day.date === root.dataset.today ? "今天" : "";
  }

  // The mark in words, for screen readers (the mark itself is hidden from them).
  function stateFor(day) {
    const words = day.date === root.dataset.today ? [" 今天"] : [];
    if (day.checked_in) words.push(day.is_makeup ? " 已补签" : " 已签到");
    else if (day.can_make_up) words.push(" 可补签");
    return words.join("");
  }

  function draw(board) {
    root.querySelector("[data-streak]").textContent = board.streak;
    button.disabled = board.checked_in_today;
    button.textContent = board.checked_in_today ? "今日已签到" : "立即签到";
    const next = board.next_reward;
    root.querySelector("[data-next]").textContent = next
      ? `再连续签到 ${next.days_left} 天（满 ${next.streak_days} 天），得 ${next.reward.label}` : "";
    const points = document.querySelector("[data-points]");
    if (points) points.textContent = board.points;
    const left = document.querySelector("[data-makeups-left]");
    if (left) left.textContent = board.makeup.left_this_month;
    board.month.forEach((day) => {
      const cell = document.querySelector(`[data-day="${day.date}"]`);
      if (!cell) return;
      cell.classList.toggle("on", day.checked_in);
      cell.classList.toggle("makeup", day.is_makeup);
      cell.classList.toggle("can", day.can_make_up);
      cell.tabIndex = day.can_make_up ? 0 : -1;
      cell.querySelector(".mark").textContent = markFor(day);
      cell.querySelector("[data-day-state]").textContent = stateFor(day);
    });
  }

  async function refresh() {
    try {
      draw(await api("GET", "/api/v1/checkin"));
    } catch (e) {
      say(e.detail, true, message);
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    say("");
    try {
      const result = await api("POST", "/api/v1/checkin");
      const words = rewardWords(result.rewards);
      say(`签到成功！已连续签到 ${result.streak} 天${words ? "，获得 " + words : ""}`);
      toast("签到成功");
    } catch (e) {
      say(e.detail, true);
    }
    await refresh();
  });

  function closeConfirm() {
    pendingDay = null;
    confirmBar.classList.add("hidden");
  }

  document.querySelectorAll(".checkin-calendar [data-day]").forEach((cell) => {
    cell.addEventListener("click", () => {
      if (!cell.classList.contains("can")) return;
      pendingDay = cell.dataset.day;
      confirmBar.querySelector("[data-makeup-text]").innerHTML = `补签 <b>${escapeHtml(cell.dataset.label)}</b>，消耗 <b>${cost}</b> 积分`;
      confirmBar.classList.remove("hidden");
      say("", false, makeupMessage);
    });
  });

  if (confirmBar) {
    confirmBar.querySelector("[data-makeup-cancel]").addEventListener("click", closeConfirm);
    const go = confirmBar.querySelector("[data-makeup-go]");
    go.addEventListener("click", async () => {
      if (!pendingDay) return;
      go.disabled = true;
      try {
        const result = await api("POST", "/api/v1/checkin/makeup", { date: pendingDay });
        const words = rewardWords(result.rewards);
        say(`补签成功！${words ? "获得 " + words : ""}`, false, makeupMessage);
        toast("补签成功");
      } catch (e) {
        say(e.detail, true, makeupMessage);
      }
      go.disabled = false;
      closeConfirm();
      await refresh();
    });
  }
})();
