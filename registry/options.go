package registry

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/telechan/telechan/internal/hostcheck"
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

// EnvToken is the environment variable that holds the registry write token
// when Options.Token is empty.
const EnvToken = "TELECHAN_REGISTRY_TOKEN"

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

	// Token is the write token that lets this client register topics (and
	// unregister topics it does not hold) on a registry that requires one
	// (ServerOptions.WriteTokens). It goes in the "token" field of those
	// requests, and as "Authorization: Bearer" on the handshake unless
	// HTTPHeader sets Authorization, which also opens a registry whose reads
	// need a token. It is sent only to the registry, never to the address
	// Connect dials. Default: the TELECHAN_REGISTRY_TOKEN environment
	// variable, else none. Over ws:// it crosses the network in clear text:
	// use wss:// where the network is not trusted.
	Token string

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
	if c.Token == "" {
		c.Token = strings.TrimSpace(os.Getenv(EnvToken))
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

	// AllowedHosts lists the host names the registry serves besides IP
	// literals and localhost, in path.Match syntax, as
	// mux.Options.AllowedHosts does: a request from a browser, and any
	// request on a loopback listener, whose Host header names another host
	// is refused with 403 Forbidden (the WebSocket and the status page
	// alike), which defeats DNS rebinding. "*" turns the check off.
	AllowedHosts []string

	// InsecureSkipVerify disables the origin check: any web page can then
	// use a visitor's browser to change the registry. It may not be combined
	// with OriginPatterns.
	InsecureSkipVerify bool

	// WriteTokens, if not empty, makes changes need a token, so that no one
	// can take over another robot's topic. It maps each token to the topic
	// prefixes it may write; a token with no prefixes, or with the prefix
	// "", may write every topic. A register (with or without replace) needs
	// a token covering its topic, in the request's "token" field or as
	// "Authorization: Bearer <token>" on the WebSocket upgrade (then it
	// covers every register of the connection). Unregister needs to be the
	// connection that holds the topic, or to carry such a token in its own
	// "token" field; renew needs to be the holder. A refused request gets a
	// failure with the code "unauthorized" and changes nothing; the
	// connection goes on. Tokens are compared in constant time. Reads (get,
	// list, watch, the status page) stay open; see Authorize.
	//
	// Default: none, and anyone who can reach the server may register,
	// replace and unregister any topic.
	WriteTokens map[string][]string

	// Authorize, if set, decides whether an HTTP request may use the
	// registry at all (the WebSocket and the status page), before the
	// upgrade, as mux.Options.Authorize does: an error refuses it with 401
	// Unauthorized, or 403 Forbidden if the error matches mux.ErrForbidden.
	// Set it to close reads too, e.g. to mux.BearerToken(readTokens...). A
	// request whose Authorization header carries one of WriteTokens is
	// admitted without asking Authorize. Browsers cannot set headers on a
	// WebSocket, so with Authorize set the status page and browser clients
	// need credentials the hook accepts by other means (a cookie, a client
	// certificate, a proxy in front).
	Authorize func(r *http.Request) error

	// Logger receives diagnostics. nil discards them.
	Logger *slog.Logger

	hosts *hostcheck.Checker // AllowedHosts, compiled
}

func (o *ServerOptions) withDefaults() (ServerOptions, error) {
	var c ServerOptions
	if o != nil {
		c = *o
	}
	if c.InsecureSkipVerify && len(c.OriginPatterns) > 0 {
		return c, errors.New("registry: InsecureSkipVerify and OriginPatterns are exclusive")
	}
	c.AllowedHosts = slices.Clone(c.AllowedHosts)
	hosts, err := hostcheck.New(c.AllowedHosts)
	if err != nil {
		return c, fmt.Errorf("registry: AllowedHosts: %w", err)
	}
	c.hosts = hosts
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
