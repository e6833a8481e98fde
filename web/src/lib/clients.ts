import { createClient } from "@connectrpc/connect";
import { ActivityService } from "../gen/fitcoach/activity/v1/activity_service_pb.js";
import { UploadService } from "../gen/fitcoach/upload/v1/upload_service_pb.js";
import { transport } from "./transport.js";

// Plain clients for what is not server state in TanStack Query: streams (WatchActivity) and the steps of
// an upload. Reads and mutations go through connect-query hooks on the same transport.
export const activityClient = createClient(ActivityService, transport);
export const uploadClient = createClient(UploadService, transport);
