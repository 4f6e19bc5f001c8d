package registry

import (
	_ "embed"
	"html/template"
	"net/http"
	"time"
)

//go:embed status.html
var statusHTML string

var statusTmpl = template.Must(template.New("status").Parse(statusHTML))

// statusRow is one line of the status page.
type statusRow struct {
	Topic, Address, Since string
	Age                   float64
}

// serveStatus renders the status page: the current entries, rendered on the
// server so the page is useful without script, and a script that keeps the
// table current through a watch over the registry's own WebSocket.
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	es, err := s.store.List(r.Context(), "")
	if err != nil {
		http.Error(w, "registry: store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	now := time.Now()
	rows := make([]statusRow, len(es))
	for i, e := range es {
		we := toWire(e, now)
		rows[i] = statusRow{Topic: we.Topic, Address: we.Address, Since: we.Since, Age: we.Age}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	statusTmpl.Execute(w, rows)
}
