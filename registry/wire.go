package registry

import (
	"encoding/json"
	"errors"
	"math"
	"time"
)

// The JSON messages of the registry protocol, specified in docs/REGISTRY.md.
// The field names are those rcom's clients already send and expect.

// request is any message from a client.
type request struct {
	Request string          `json:"request"`
	ID      json.RawMessage `json:"id,omitempty"`
	Topic   string          `json:"topic,omitempty"`
	Address string          `json:"address,omitempty"`
	Prefix  string          `json:"prefix,omitempty"`
	TTL     float64         `json:"ttl,omitempty"`
	Replace bool            `json:"replace,omitempty"`
	Wait    float64         `json:"wait,omitempty"`
	Watch   json.RawMessage `json:"watch,omitempty"`
	Token   string          `json:"token,omitempty"` // write token, see auth.go
}

// reply answers one request.
type reply struct {
	ID      json.RawMessage `json:"id,omitempty"`
	Success bool            `json:"success"`
	Message string          `json:"message,omitempty"`
	Error   string          `json:"error,omitempty"`
	Topic   string          `json:"topic,omitempty"`
	Address string          `json:"address,omitempty"`
	TTL     float64         `json:"ttl,omitempty"`
	Entries *[]wireEntry    `json:"entries,omitempty"`
}

// event is one change pushed to a watching client. Watch is the id of the
// watch request.
type event struct {
	Event string          `json:"event"`
	Watch json.RawMessage `json:"watch,omitempty"`
	wireEntry
	Message string `json:"message,omitempty"`
}

// wireEntry is an Entry on the wire: times in seconds.
type wireEntry struct {
	Topic   string  `json:"topic"`
	Address string  `json:"address,omitempty"`
	Since   string  `json:"since,omitempty"`
	Age     float64 `json:"age,omitempty"`
	TTL     float64 `json:"ttl,omitempty"`
}

// Error codes carried in reply.Error, one per sentinel.
var errorCodes = map[string]error{
	"not_found":    ErrNotFound,
	"taken":        ErrTaken,
	"no_lease":     ErrNoLease,
	"not_owner":    ErrNotOwner,
	"bad_request":  ErrBadRequest,
	"unauthorized": ErrUnauthorized,
}

func errorCode(err error) string {
	for code, e := range errorCodes {
		if errors.Is(err, e) {
			return code
		}
	}
	return "failed"
}

func toWire(e Entry, now time.Time) wireEntry {
	w := wireEntry{Topic: e.Topic, Address: e.Address, TTL: e.TTL.Seconds()}
	if !e.Since.IsZero() {
		w.Since = e.Since.UTC().Format(time.RFC3339Nano)
		w.Age = math.Round(now.Sub(e.Since).Seconds()*1000) / 1000
	}
	return w
}

func fromWire(w wireEntry) Entry {
	e := Entry{Topic: w.Topic, Address: w.Address, TTL: seconds(w.TTL)}
	e.Since, _ = time.Parse(time.RFC3339Nano, w.Since)
	return e
}

func seconds(f float64) time.Duration {
	return time.Duration(f * float64(time.Second))
}
