// Swagger UI shows an answer's JSON, never the video it points to: this plugin puts a player under
// any JSON answer that holds a video ({"video": {"content_type": "video/…", "url": "http…"}}), so a
// remix fetched with "Try it out" can be watched where it was fetched.
function RemixVideoPlugin() {
  function videoOf(content, contentType) {
    if (typeof content !== "string" || !/json/i.test(contentType || "")) {
      return null;
    }
    try {
      const video = JSON.parse(content).video;
      return video && /^video\//i.test(video.content_type) && /^https?:\/\//i.test(video.url) ? video : null;
    } catch {
      return null;
    }
  }

  return {
    wrapComponents: {
      responseBody: (Original, system) => (props) => {
        const React = system.React;
        const body = React.createElement(Original, props);
        const video = videoOf(props.content, props.contentType);
        if (!video) {
          return body;
        }
        return React.createElement("div", null, body,
          React.createElement("video", {
            className: "remix-video",
            controls: true,
            preload: "metadata",
            src: video.url,
            title: video.file_name,
            style: { display: "block", maxWidth: "100%", marginTop: "0.5em" },
          }));
      },
    },
  };
}
