// Package console is the registry's web console: plain HTML, CSS and
// JavaScript modules embedded in the binary (no build step, no CDN), served
// by api's router under a configurable path (ui.path, /ui by default).
//
// It holds no rules and no data: the pages read and write through the REST
// API and the few console routes api adds next to it (whoami, subject
// summaries, schema forms, version diffs, status), with the caller's own
// credentials, so the server's authentication and roles decide everything.
package console
