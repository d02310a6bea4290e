/** Writes docs/config.md from the schema (`npm run docs`). */
import { writeFileSync } from "node:fs";
import { configReference } from "../src/config/docs.ts";

writeFileSync(new URL("../docs/config.md", import.meta.url), configReference());
console.log("wrote docs/config.md");
