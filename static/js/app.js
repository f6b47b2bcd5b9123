/* Micromall H5: the few helpers every page shares. Pages act through the JSON API. */
(function () {
  "use strict";

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function loginUrl() {
    return "/wechat/login/?next=" + encodeURIComponent(location.pathname + location.search);
  }

  /* fetch JSON; resolves with the body, rejects with {status, code, detail}. */
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRFToken"] = cookie("csrftoken") || document.querySelector('meta[name="csrf-token"]').content;
    let response;
    try {
      response = await fetch(url, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw { status: 0, code: "network", detail: "网络不给力，请稍后再试" };
    }
    if (response.status === 401) {
      location.href = loginUrl();
      throw { status: 401, code: "not_authenticated", detail: "请先登录" };
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw { status: response.status, code: data.code || "error", detail: data.detail || "操作失败，请重试", fields: data.fields };
    return data;
  }

  let toastTimer;
  function toast(message) {
    const el = document.getElementById("toast");
    el.textContent = message;
    el.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.classList.remove("show"), 2200);
  }

  function yuan(fen) {
    const sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    return sign + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function setCartBadge(count) {
    document.querySelectorAll("[data-cart-badge]").forEach((badge) => {
      badge.textContent = count;
      badge.classList.toggle("hidden", !count);
    });
  }

  /* Back buttons go back when there is somewhere to go back to inside the shop. */
  document.addEventListener("click", (event) => {
    const back = event.target.closest("[data-back]");
    if (back && document.referrer.startsWith(location.origin) && history.length > 1) {
      event.preventDefault();
      history.back();
    }
  });

  /* Swipeable carousels and galleries: dots / counter follow the scroll; banners advance. */
  function watchTrack(root, onIndex) {
    const track = root.querySelector(".track");
    if (!track) return;
    let index = 0;
    track.addEventListener("scroll", () => {
      const next = Math.round(track.scrollLeft / track.clientWidth);
      if (next !== index) { index = next; onIndex(index); }
    }, { passive: true });
    return { track, count: () => track.children.length, index: () => index };
  }
  document.querySelectorAll("[data-carousel]").forEach((root) => {
    const dots = root.querySelectorAll(".dots i");
    const state = watchTrack(root, (i) => dots.forEach((dot, j) => dot.classList.toggle("on", i === j)));
    // Banners advance by themselves, unless the phone asks for animations off.
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (state && state.count() > 1 && !still) {
      setInterval(() => {
        const next = (state.index() + 1) % state.count();
        state.track.scrollTo({ left: next * state.track.clientWidth, behavior: "smooth" });
      }, 4000);
    }
  });
  document.querySelectorAll("[data-gallery]").forEach((root) => {
    const label = root.querySelector("[data-gallery-index]");
    watchTrack(root, (i) => { if (label) label.textContent = i + 1; });
  });

  /* "Load more" on product lists: the next page from the API, drawn like the first. */
  function productCard(p) {
    const old = p.original_price_fen && p.original_price_fen > p.price_fen ? `<span class="price-old">¥${yuan(p.original_price_fen)}</span>` : "";
    const soldOut = p.in_stock ? "" : '<div class="sold-out"><span>已售罄</span></div>';
    const img = p.cover_url ? `<img src="${escapeHtml(p.cover_url)}" alt="${escapeHtml(p.title)}" loading="lazy" width="400" height="400">` : "";
    return `<a class="card-p" href="/products/${p.id}/"><div class="pic">${img}${soldOut}</div><div class="body">
      <div class="title">${escapeHtml(p.title)}</div><div class="meta"><span class="price"><small>¥</small>${yuan(p.price_fen)}</span>${old}
      <span class="sales">已售 ${p.sales}</span></div></div></a>`;
  }
  document.querySelectorAll("[data-load-more]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const params = new URLSearchParams(button.dataset.params);
        params.set("page", button.dataset.next);
        const page = await api("GET", "/api/v1/products?" + params);
        document.getElementById("product-grid").insertAdjacentHTML("beforeend", page.results.map(productCard).join(""));
        if (page.next) { button.dataset.next = Number(button.dataset.next) + 1; button.disabled = false; } else { button.remove(); }
      } catch (e) { toast(e.detail); button.disabled = false; }
    });
  });

  /* Pay an order. In emulator mode the emulator's cashier stands in for WeChat's sheet;
     inside WeChat, WeixinJSBridge. The browser's "ok" proves nothing: the order page is
     polled until WeChat's notification has marked the order paid. */
  function bridge() {
    return new Promise((resolve) => {
      if (window.WeixinJSBridge) return resolve(window.WeixinJSBridge);
      document.addEventListener("WeixinJSBridgeReady", () => resolve(window.WeixinJSBridge), { once: true });
      setTimeout(() => resolve(window.WeixinJSBridge || null), 1500);
    });
  }

  async function waitUntilPaid(number) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const order = await api("GET", `/api/v1/orders/${number}`);
      if (order.status !== "pending_payment") break;
      await new Promise((r) => setTimeout(r, 1500));
    }
    location.href = `/orders/${number}/`;
  }

  async function payOrder(number) {
    const payment = await api("POST", `/api/v1/orders/${number}/pay`);
    if (payment.cashier_url) {
      location.href = payment.cashier_url;
      return;
    }
    const jsBridge = /MicroMessenger/i.test(navigator.userAgent) ? await bridge() : null;
    if (!jsBridge) {
      toast("请在微信中打开本页完成支付");
      setTimeout(() => (location.href = `/orders/${number}/`), 1500);
      return;
    }
    jsBridge.invoke("getBrandWCPayRequest", payment.jsapi, (result) => {
      if (result.err_msg === "get_brand_wcpay_request:ok") {
        toast("支付结果确认中…");
        waitUntilPaid(number);
      } else if (result.err_msg === "get_brand_wcpay_request:cancel") {
        toast("已取消支付");
      } else {
        toast("支付未完成，请重试");
      }
    });
  }

  window.Micromall = { api, toast, yuan, escapeHtml, setCartBadge, loginUrl, payOrder, productCard };
})();
