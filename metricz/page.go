package metricz

import (
	"embed"
	"html/template"
	"io"
)

//go:embed assets/page.html assets/page.css assets/page.js
var assets embed.FS

// pageTemplate is the HTML shell. The data and the code that renders it are
// inlined, so the page is one self-contained response: no CDN, no second
// request, and it works under any mount path.
var pageTemplate = template.Must(template.ParseFS(assets, "assets/page.html"))

var (
	pageCSS = mustRead("assets/page.css")
	pageJS  = mustRead("assets/page.js")
)

func mustRead(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // the file is embedded at build time; missing means a broken build
	}
	return string(b)
}

type pageData struct {
	Nonce string
	CSS   template.CSS
	JS    template.JS
	Data  template.JS
}

// renderPage writes the HTML page with the initial snapshot embedded, so it
// shows data immediately and then refreshes itself.
func renderPage(w io.Writer, nonce string, snapshot []byte) error {
	return pageTemplate.Execute(w, pageData{
		Nonce: nonce,
		CSS:   template.CSS(pageCSS),
		JS:    template.JS(pageJS),
		// Safe: encoding/json escaped every <, > and & in the snapshot.
		Data: template.JS(snapshot),
	})
}
