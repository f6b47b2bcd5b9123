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

  // 省 / 市 / 区 are picked from the region data; each choice fills the next level's options.
  const { parseAddress, resolve, loadRegions } = window.MicromallRegion;
  const levels = ["province", "city", "district"].map((n) => form.elements[n]);
  let regions = {};

  // The names under `level` given what is chosen above it.
  function namesAt(level) {
    if (level === 0) return Object.keys(regions);
    const cities = regions[levels[0].value] || {};
    return level === 1 ? Object.keys(cities) : cities[levels[1].value] || [];
  }

  /* Fill the selects from `level` down, choosing `values` where the data has them. A name
     the data does not know (an address typed before the picker) stays as its own option. */
  function choose(level, values) {
    for (let i = level; i < levels.length; i += 1) {
      const select = levels[i];
      const names = namesAt(i);
      const value = resolve(names, values[i]) || values[i] || "";
      const options = value && !names.includes(value) ? [value, ...names] : names;
      select.replaceChildren(select.options[0], ...options.map((name) => new Option(name, name)));
      select.value = value;
    }
  }
  levels.forEach((select, i) => select.addEventListener("change", () => {
    choose(i + 1, []);
  }));
  loadRegions(form.dataset.regions)
    .then((data) => { regions = data; })
    .catch(() => toast("地区数据加载失败，请刷新重试"))
    .finally(() => choose(0, levels.map((select) => select.dataset.value)));

  // Paste-to-recognise: fill what the pasted text says, for the person to check.
  const paste = document.getElementById("f-paste");
  function recognise() {
    const found = parseAddress(paste.value, regions);
    ["name", "phone", "detail"].forEach((n) => { if (found[n]) form.elements[n].value = found[n]; });
    if (found.province) choose(0, [found.province, found.city, found.district]);
    const recognised = Object.values(found).some(Boolean);
    toast(recognised ? "已识别，请核对后保存" : "没有识别出收货信息，请手动填写");
  }
  form.querySelector("[data-recognise]").addEventListener("click", recognise);
  // A paste lands in the textarea after the event; recognise what it became.
  paste.addEventListener("paste", () => setTimeout(recognise));

  const remove = form.querySelector("[data-delete]");
  if (remove) {
    remove.addEventListener("click", async () => {
      if (!confirm("确定删除这个地址吗？")) return;
      try { await api("DELETE", `/api/v1/addresses/${id}`); backTo(null); } catch (e) { toast(e.detail); }
    });
  }
})();
