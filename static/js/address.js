/* Address form: create or update through /api/v1/addresses, then go back to `next`. */
(function () {
  "use strict";
  const { api, toast } = window.Micromall;
  const form = document.getElementById("address-form");
  const id = form.dataset.id;

  function backTo(addressId) {
    let next = form.dataset.next || "/addresses/";
    // Coming from checkout: come back with the address just saved.
    if (addressId && next.startsWith("/checkout/")) next += (next.includes("?") ? "&" : "?") + "address=" + addressId;
    location.replace(next);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(["name", "phone", "province", "city", "district", "detail"].map((n) => [n, form.elements[n].value.trim()]));
    data.is_default = form.elements.is_default.checked;
    if (!data.name || !data.province || !data.city || !data.detail) return toast("请把收货信息填写完整");
    if (!/^1[3-9]\d{9}$/.test(data.phone)) return toast("请输入 11 位手机号");
    try {
      const saved = await api(id ? "PATCH" : "POST", id ? `/api/v1/addresses/${id}` : "/api/v1/addresses", data);
      toast("已保存");
      backTo(saved.id);
    } catch (e) {
      toast(e.detail);
    }
  });

  const remove = form.querySelector("[data-delete]");
  if (remove) {
    remove.addEventListener("click", async () => {
      if (!confirm("确定删除这个地址吗？")) return;
      try { await api("DELETE", `/api/v1/addresses/${id}`); backTo(null); } catch (e) { toast(e.detail); }
    });
  }
})();
