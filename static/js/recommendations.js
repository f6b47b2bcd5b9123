/* 「经常一起买」/「猜你喜欢」: product cards from GET /api/v1/recommendations drawn into the
   page's [data-recommendations] strip (data-product: the product on show). The strip stays
   hidden when there is nothing to suggest, or nobody is logged in to suggest it to: plain
   fetch, not Micromall.api, which would send a visitor to the login for a side strip. */
(function () {
  "use strict";
  const strip = document.querySelector("[data-recommendations]");
  if (!strip) return;
  const params = new URLSearchParams({ limit: "6" });
  if (strip.dataset.product) params.set("product", strip.dataset.product);
  fetch("/api/v1/recommendations?" + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((page) => {
      if (!page || !page.results.length) return;
      strip.querySelector(".grid").innerHTML = page.results.map(window.Micromall.productCard).join("");
      strip.classList.remove("hidden");
    })
    .catch(() => {});
})();
