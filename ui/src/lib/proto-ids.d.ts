// The generated `proto/api.ts` uses the id types from `proto/ids.ts` without re-exporting them,
// while `tauri.ts` imports `ChatId` from `proto/api`. This augmentation lets `proto/api` answer
// for `ChatId` for the type checker only (no runtime effect), so neither the generated files nor
// tauri.ts need editing. Remove it once tauri.ts imports ids from `proto/ids` (or the generator
// re-exports them), together with the explicit re-export in backend.ts.
import type * as Ids from "./proto/ids";

declare module "./proto/api" {
  export type ChatId = Ids.ChatId;
}
