// linkcheck serves a small JSON API that reports which of the given URLs answer.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"sync"
	"time"
)

type result struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
	Millis int64  `json:"millis"`
}

func check(client *http.Client, urls []string) []result {
	out := make([]result, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func(i int, u string) {
			defer wg.Done()
			start := time.Now()
			r := result{URL: u}
			resp, err := client.Head(u)
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Status = resp.StatusCode
				resp.Body.Close()
			}
			r.Millis = time.Since(start).Milliseconds()
			out[i] = r
		}(i, u)
	}
	wg.Wait()
	return out
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout")
	flag.Parse()
	client := &http.Client{Timeout: *timeout}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	http.HandleFunc("/check", func(w http.ResponseWriter, r *http.Request) {
		var urls []string
		if err := json.NewDecoder(r.Body).Decode(&urls); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(check(client, urls))
	})
	log.Printf("linkcheck listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
