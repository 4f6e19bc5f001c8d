// Package ratelimit is the token bucket telechan's servers limit request
// rates with: the registry's requests per connection, a Handler's resume
// attempts.
package ratelimit
