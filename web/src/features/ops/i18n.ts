// The operators' page's strings, added to the app's translations when this page's code loads (ko and en
// side by side in src/i18n, checked by the catalogue test), so the first page carries none of them.
import i18n from "../../i18n/index.js";
import en from "../../i18n/ops.en.json";
import ko from "../../i18n/ops.ko.json";

i18n.addResourceBundle("en", "translation", en, true, false);
i18n.addResourceBundle("ko", "translation", ko, true, false);
