package registry

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/telechan/telechan/mux"
	"github.com/telechan/telechan/rch"
)

// DefaultAddr is the registry address used when neither Options.Addr nor
// the TELECHAN_REGISTRY environment variable gives one. 10101 is rcom's
// registry port.
const DefaultAddr = "ws://127.0.0.1:10101"

// EnvAddr is the environment variable that names the registry when
// Options.Addr is empty.
const EnvAddr = "TELECHAN_REGISTRY"

// Options configures a [Client] and the one-call helpers [Connect],
// [ConnectBase] and [Serve]. A nil *Options means all defaults, and so does
// each zero field.
type Options struct {
	// Addr is the registry's URL, e.g. "ws://10.0.0.1:10101". Default: the
	// TELECHAN_REGISTRY environment variable, else DefaultAddr.
	Addr string

	// TTL is the lease time of registrations: the client renews each lease
	// every TTL/3, and the server drops an entry whose lease was not renewed
	// for TTL. Default 10s. The server may clamp it (1s to 1h by default).
	TTL time.Duration

	// HTTPClient performs the WebSocket handshake (TLS settings, proxy).
	// nil means http.DefaultClient.
	HTTPClient *http.Client

	// HTTPHeader is added to the handshake request, e.g. Authorization.
	HTTPHeader http.Header

	// Listen is the address Serve listens on. Default "127.0.0.1:0": a
	// free port on loopback. Set e.g. ":0" or "10.0.0.7:0" to be reachable
	// from other machines, with Advertise.
	Listen string

	// Advertise is the URL Serve registers. Default "ws://" followed by the
	// listener's address and "/"; set it when that address is not the one
	// peers should dial (a wildcard listen address, NAT, TLS in front).
	Advertise string

	// Mux configures the sessions that Connect and Serve make.
	Mux *mux.Options

	// Rch configures the base channel of ConnectBase.
	Rch *rch.Options

	// Logger receives diagnostics. nil discards them.
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Addr == "" {
		c.Addr = os.Getenv(EnvAddr)
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.TTL <= 0 {
		c.TTL = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// ServerOptions configures a [Server]. A nil *ServerOptions means all
// defaults, and so does each zero field.
type ServerOptions struct {
	// Store holds the entries. nil means a new in-memory store that the
	// server owns and closes; a Store given here is not closed by the
	// server.
	Store Store

	// MaxMessageSize is the largest message, in bytes, a client may send.
	// A larger one closes the connection with status 1009 (message too
	// big). Default 64 KiB.
	MaxMessageSize int64

	// RequestRate is how many requests per second a connection may send on
	// average, with bursts of up to RequestBurst. A client that sends
	// faster is disconnected with status 1008 (policy violation). Defaults
	// 50 and 200.
	RequestRate  float64
	RequestBurst int

	// ConnTTL is the lease time of entries registered without a "ttl":
	// those live as long as their connection, and the server renews them
	// itself; the lease only matters if the server itself dies (with a
	// shared store). Default 10s.
	ConnTTL time.Duration

	// MinTTL and MaxTTL bound the TTL a client may ask for. Defaults 1s and
	// 1h.
	MinTTL, MaxTTL time.Duration

	// MaxWait bounds how long a "get" request may wait for its topic.
	// Default 60s.
	MaxWait time.Duration

	// MaxTopics bounds the topics one connection may hold, and MaxWatches
	// the watches and waiting gets it may have open at once. Defaults 256
	// and 16.
	MaxTopics, MaxWatches int

	// OriginPatterns lists the host patterns of cross-origin pages allowed
	// to connect, in path.Match syntax. Requests without an Origin header
	// (programs) and pages served by the registry itself (the status page)
	// are always allowed.
	OriginPatterns []string

	// InsecureSkipVerify disables the origin check: any web page can then
	// use a visitor's browser to change the registry. It may not be combined
	// with OriginPatterns.
	InsecureSkipVerify bool

	// Logger receives diagnostics. nil discards them.
	Logger *slog.Logger
}

func (o *ServerOptions) withDefaults() (ServerOptions, error) {
	var c ServerOptions
	if o != nil {
		c = *o
	}
	if c.InsecureSkipVerify && len(c.OriginPatterns) > 0 {
		return c, errors.New("registry: InsecureSkipVerify and OriginPatterns are exclusive")
	}
	def := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	def(&c.ConnTTL, 10*time.Second)
	def(&c.MinTTL, time.Second)
	def(&c.MaxTTL, time.Hour)
	def(&c.MaxWait, time.Minute)
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 64 << 10
	}
	if c.RequestRate <= 0 {
		c.RequestRate = 50
	}
	if c.RequestBurst <= 0 {
		c.RequestBurst = 200
	}
	if c.MaxTopics <= 0 {
		c.MaxTopics = 256
	}
	if c.MaxWatches <= 0 {
		c.MaxWatches = 16
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
