// POST a FormData with upload progress (fetch cannot report it; XMLHttpRequest can). Resolves
// with the JSON body; rejects with an ApiError whose status is 0 when the network failed.

import { ApiError } from "../common/api.js";

export function upload(path, data, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.responseType = "json";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
    });
    xhr.addEventListener("load", () => {
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body);
        return;
      }
      const err = (body && body.error) || {};
      const failure = new ApiError(xhr.status, err.code || "http_error",
        err.message || `request failed (${xhr.status})`, body);
      failure.retryAfter = Number(xhr.getResponseHeader("Retry-After")) || 0;
      reject(failure);
    });
    const offline = () => reject(new ApiError(0, "network", "network error", null));
    xhr.addEventListener("error", offline);
    xhr.addEventListener("abort", offline);
    xhr.addEventListener("timeout", offline);
    xhr.send(data);
  });
}
