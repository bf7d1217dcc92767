// Lets this thread import the project's TypeScript: registers the module hooks of ts-hooks.mjs and maps stack
// traces back to the .ts sources. Called first by every entry point (bin/) and by each step worker thread.
import { register } from "node:module";

export const registerTypeScript = () => {
  register("./ts-hooks.mjs", import.meta.url);
  process.setSourceMapsEnabled(true);
};
