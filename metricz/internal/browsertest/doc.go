// Package browsertest loads the metricz page in a real headless Chromium and
// checks what it renders.
//
// It is a Go module of its own so that the browser driver it needs
// (chromedp and cdproto) is never a requirement of the metricz module, and
// so never enters the module graph of a program that imports metricz. It
// holds tests only; nothing imports it.
package browsertest
