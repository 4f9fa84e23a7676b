// Command floor is the physical floor that make bench holds the handler against: a bare
// net/http server that answers GET /api/me with a fixed body and the same response headers
// as the handler, with no token check, no logging and no middleware. It listens on
// FUNCTIONS_CUSTOMHANDLER_PORT, as the handler does, so that the bench starts and times both
// processes the same way. It is a measuring stick, never deployed.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port, body := os.Getenv("FUNCTIONS_CUSTOMHANDLER_PORT"), os.Getenv("FLOOR_BODY")
	if port == "" || body == "" {
		log.Fatal("floor: set FUNCTIONS_CUSTOMHANDLER_PORT and FLOOR_BODY")
	}
	payload := []byte(body)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(payload)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}
