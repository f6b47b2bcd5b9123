/* Red packets: open one on its page (/red-packets/{id}/), and on an order's page show
   the share packet (分享红包) the order earned, to pass on to friends. */
(function () {
  "use strict";
  const { api, toast, yuan, escapeHtml } = window.Micromall;

  /* The packet page. */
  const card = document.getElementById("red-packet");
  if (card) {
    const id = card.dataset.packetId;
    const state = card.querySelector("[data-state]");
    const error = card.querySelector("[data-error]");
    // Animations off in the phone's settings: the packet opens without flipping or popping.
    const still = () => window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    function grabRow(grab) {
      const face = grab.avatar_url ? `<img src="${escapeHtml(grab.avatar_url)}" alt="" width="36" height="36" loading="lazy">` : '<span class="rp-face"></span>';
      const when = new Date(grab.grabbed_at);
      const time = `${when.getMonth() + 1}月${when.getDate()}日 ${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
      const best = grab.best ? '<span class="rp-best">手气最佳</span>' : "";
      return `<li>${face}<div class="rp-who"><b>${escapeHtml(grab.nickname)}</b><small class="muted">${time}</small></div>
        <div class="rp-got">¥${yuan(grab.amount_fen)}${best}</div></li>`;
    }

    async function refreshList() {
      try {
        const packet = await api("GET", `/api/v1/red-packets/${id}`);
        document.querySelector("[data-grabs]").innerHTML = packet.grabs.map(grabRow).join("");
        document.querySelector("[data-taken]").textContent = packet.grabs.length;
      } catch (e) { /* the list catches up on the next visit */ }
    }

    function showGot(result) {
      const coupon = result.delivers === "coupon";
      const link = coupon ? '<a class="btn small light" href="/coupons/">去看看我的优惠券</a>'
        : result.where.includes("余额") ? '<a class="btn small light" href="/me/">去看看我的余额</a>' : "";
      state.innerHTML = `<div class="rp-amount${still() ? "" : " rp-pop"}"><small>¥</small><b data-amount>${yuan(result.amount_fen)}</b></div>
        <p class="rp-where" data-where>${coupon ? "无门槛优惠券 · " : ""}${escapeHtml(result.where)}</p>${link}`;
    }

    const messages = { already_grabbed: "你已经领过这个红包了", packet_empty: "手慢了，红包派完了", campaign_not_active: "红包已过期或活动已结束" };

    state.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-grab]");
      if (!button) return;
      button.disabled = true;
      if (!still()) button.classList.add("rp-spinning");
      error.textContent = "";
      try {
        showGot(await api("POST", `/api/v1/red-packets/${id}/grab`));
        refreshList();
      } catch (e) {
        button.classList.remove("rp-spinning");
        if (messages[e.code]) {
          state.innerHTML = `<p class="rp-over">${messages[e.code]}</p>`;
          if (e.code === "already_grabbed") setTimeout(() => location.reload(), 800);
          refreshList();
        } else {
          error.textContent = e.detail;
          button.disabled = false;
          toast(e.detail);
        }
      }
    });
  }

  /* An order's page: the share packet it earned, if any. */
  const shareCard = document.querySelector("[data-share-packet-order]");
  if (shareCard) {
    (async () => {
      try {
        const page = await api("GET", "/api/v1/red-packets?order=" + encodeURIComponent(shareCard.dataset.sharePacketOrder));
        const packet = page.results[0];
        if (!packet) return;
        const what = packet.delivers === "coupon" ? `${packet.shares} 张 ¥${yuan(packet.total_fen / packet.shares)} 无门槛券` : `${packet.shares} 份共 ¥${yuan(packet.total_fen)}`;
        shareCard.querySelector("[data-share-packet-text]").textContent = `${what}，已领 ${packet.shares - packet.shares_left} 份`;
        shareCard.href = packet.path;
        shareCard.classList.remove("hidden");
      } catch (e) { /* no card then */ }
    })();
  }
})();
