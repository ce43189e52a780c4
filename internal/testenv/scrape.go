package testenv

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// Scrape GETs /metrics from addr (host:port) and returns the body; any
// failure or a status other than 200 fails the test.
func Scrape(t testing.TB, addr string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %s, %v: %s", resp.Status, err, body)
	}
	return string(body)
}
