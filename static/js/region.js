/* China's regions for the address form: province → city → district names (static/data/regions.json),
   and parseAddress, which reads a pasted 「张三 13800138000 广东省深圳市南山区科技园路 1 号」 into the
   form's fields. A pure function of the text and the region data, so the browser tests call it directly. */
(function () {
  "use strict";

  // People write 「广东深圳南山」 as often as 「广东省深圳市南山区」: a name also matches without its
  // administrative suffix, as long as two characters are left (「城区」 stays whole).
  const SUFFIX = /(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|自治州|自治县|地区|省|市|盟|区|县|旗)$/;
  function shortName(name) {
    let short = name.replace(SUFFIX, "");
    if (short.includes("族")) short = short.slice(0, 2); // 延边朝鲜族自治州 → 延边
    return short.length >= 2 ? short : name;
  }

  /* The first of `names` found in `text` from `from` on (only right there when `at` is set):
     {name, start, end} or null. The full name wins over the short one where both fit. */
  function find(names, text, from, at) {
    let best = null;
    for (const name of names) {
      for (const form of new Set([name, shortName(name)])) {
        const start = text.indexOf(form, from);
        if (start < 0 || (at && start !== from)) continue;
        if (!best || start < best.start || (start === best.start && form.length > best.end - best.start)) {
          best = { name, start, end: start + form.length };
        }
      }
    }
    return best;
  }

  /* The name in `names` that `value` means (「广东」 → 「广东省」), or "" when none does. */
  function resolve(names, value) {
    if (!value) return "";
    return names.find((name) => name === value) || names.find((name) => shortName(name) === shortName(value)) || "";
  }

  // Where the next level's name starts: right after the last one, past any spaces.
  function skipSpaces(text, i) {
    while (text[i] === " ") i += 1;
    return i;
  }

  function region(regions, text) {
    const provinces = Object.keys(regions);
    let province = find(provinces, text, 0, false);
    let city = null;
    if (province) {
      const cities = Object.keys(regions[province.name]);
      city = find(cities, text, skipSpaces(text, province.end), true);
      // 北京市 and the other municipalities have themselves as their only city.
      if (!city && cities.length === 1) city = { name: cities[0], start: province.end, end: province.end };
    } else {
      // 「深圳市南山区…」: the city tells the province.
      for (const name of provinces) {
        const found = find(Object.keys(regions[name]), text, 0, false);
        if (found && (!city || found.start < city.start)) { city = found; province = { name, start: found.start, end: found.start }; }
      }
    }
    if (!province) return null;
    const result = { province: province.name, city: "", district: "", start: province.start, end: province.end };
    if (!city) return result;
    result.city = city.name;
    result.end = city.end;
    const district = find(regions[province.name][city.name], text, skipSpaces(text, city.end), true);
    if (district) { result.district = district.name; result.end = district.end; }
    return result;
  }

  const LABELS = /(收货人|收件人|联系人|姓名|手机号码|手机号|联系电话|电话|所在地区|详细地址|地址)\s*[:：]?/g;
  const NAME = /^[\u4e00-\u9fa5·]{2,6}$|^[A-Za-z][A-Za-z .]{1,19}$/;
  const PLACE = /[路街道巷弄号室栋楼村镇乡座层单元园区]/;

  /* → {name, phone, province, city, district, detail}, each "" when the text does not say it. */
  function parseAddress(text, regions) {
    let rest = String(text || "")
      .replace(/\+?86(?=[\s-]*1[3-9])/, " ")
      .replace(/(\d)[\s-]+(?=\d)/g, "$1") // 138 0013 8000, 138-0013-8000
      .replace(LABELS, " ")
      .replace(/[，,；;、|\r\n\t]+/g, " ")
      .replace(/ {2,}/g, " ");
    let phone = "";
    rest = rest.replace(/1[3-9]\d{9}(?!\d)/, (found) => { phone = found; return " "; }).replace(/ {2,}/g, " ").trim();

    const place = region(regions, rest);
    const before = place ? rest.slice(0, place.start).trim() : "";
    let after = (place ? rest.slice(place.end) : rest).trim();
    // The name is a short word before the region, else at either end of what follows it.
    const words = after ? after.split(" ") : [];
    let name = before.split(" ").find((word) => NAME.test(word) && !PLACE.test(word)) || "";
    if (!name && words.length > 1) {
      if (NAME.test(words[words.length - 1]) && !PLACE.test(words[words.length - 1])) name = words.pop();
      else if (NAME.test(words[0]) && !PLACE.test(words[0])) name = words.shift();
    }
    after = words.join(" ");
    const leftover = before.split(" ").filter((word) => word && word !== name).join(" ");
    return {
      name,
      phone,
      province: place ? place.province : "",
      city: place ? place.city : "",
      district: place ? place.district : "",
      detail: (after || leftover).trim(),
    };
  }

  let loading;
  /* The region data, fetched once: {province: {city: [district]}}. */
  function loadRegions(url) {
    loading = loading || fetch(url, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).catch((error) => {
      loading = null; // the next call tries again
      throw error;
    });
    return loading;
  }

  window.MicromallRegion = { parseAddress, resolve, loadRegions };
})();
