package moneykittest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

// DefaultTokenTTL is how long a token from POST /auth/token lasts (MoneyKit: 3600 s).
const DefaultTokenTTL = time.Hour

// WithClientCredentials sets the client id and secret the fake accepts at POST /auth/token
// and in the X-Client-Id / X-Client-Secret headers (default: random ones; see ClientID).
func WithClientCredentials(id, secret string) Option {
	return func(f *Fake) error {
		if id == "" || secret == "" {
			return errors.New("moneykittest: WithClientCredentials: empty id or secret")
		}
		f.clientID, f.clientSecret = id, secret
		return nil
	}
}

// WithTokenTTL sets the lifetime of tokens issued at POST /auth/token (default
// DefaultTokenTTL).
func WithTokenTTL(d time.Duration) Option {
	return func(f *Fake) error {
		if d <= 0 {
			return errors.New("moneykittest: WithTokenTTL: not positive")
		}
		f.tokenTTL = d
		return nil
	}
}

// ClientID returns the client id the fake accepts.
func (f *Fake) ClientID() string { return f.clientID }

// ClientSecret returns the client secret the fake accepts.
func (f *Fake) ClientSecret() string { return f.clientSecret }

// TokensIssued returns how many tokens POST /auth/token has issued.
func (f *Fake) TokensIssued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued
}

// ExpireTokens makes every token the fake knows expire now, as if time had passed.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for t := range f.tokens {
		f.tokens[t] = now
	}
}

type requestKey struct{}

func requestFrom(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return r
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authenticate checks the credentials of a links request (a bearer token, or the client
// headers) and writes the 401 if they fail.
func (f *Fake) authenticate(w http.ResponseWriter, r *http.Request) bool {
	if id, secret := r.Header.Get("X-Client-Id"), r.Header.Get("X-Client-Secret"); id != "" || secret != "" {
		if equal(id, f.clientID) && equal(secret, f.clientSecret) {
			return true
		}
		writeJSON(w, http.StatusUnauthorized, unauthorized())
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	f.mu.Lock()
	expiry, known := f.tokens[token]
	now := f.now()
	f.mu.Unlock()
	var body fk.AuthError
	switch {
	case !ok || !strings.EqualFold(scheme, "Bearer") || !known:
		body = unauthorized()
	case !expiry.IsZero() && !now.Before(expiry):
		body.FromExpiredAccessTokenError(fk.ExpiredAccessTokenError{
			ErrorCode: fk.ExpiredAccessTokenErrorErrorCodeAPIErrorAuthExpiredAccessToken, ErrorMessage: "Access token expired", DocumentationURL: ptrString(docsURL),
		})
	default:
		return true
	}
	writeJSON(w, http.StatusUnauthorized, body)
	return false
}

func unauthorized() fk.AuthError {
	var body fk.AuthError
	body.FromUnauthorizedError(unauthorizedBody("Invalid or missing credentials."))
	return body
}

func unauthorizedBody(msg string) fk.UnauthorizedError {
	return fk.UnauthorizedError{ErrorCode: fk.UnauthorizedErrorErrorCodeAPIErrorAuthUnauthorized, ErrorMessage: msg, DocumentationURL: ptrString(docsURL)}
}

// GenerateAccessToken is POST /auth/token: the client-credentials grant, with the id and
// secret in the form or as HTTP Basic credentials. It answers 201, as MoneyKit does.
func (h *handlers) GenerateAccessToken(ctx context.Context, req fk.GenerateAccessTokenRequestObject) (fk.GenerateAccessTokenResponseObject, error) {
	f := h.f
	if req.Body == nil || req.Body.GrantType != fk.TokenRequestGrantTypeClientCredentials {
		return fk.GenerateAccessToken400JSONResponse(unauthorizedBody("Unsupported grant type.")), nil
	}
	id, secret := "", ""
	if req.Body.ClientID != nil {
		id = *req.Body.ClientID
	}
	if req.Body.ClientSecret != nil {
		secret = *req.Body.ClientSecret
	}
	if r := requestFrom(ctx); r != nil {
		if u, p, ok := r.BasicAuth(); ok {
			id, secret = u, p
		}
	}
	if !equal(id, f.clientID) || !equal(secret, f.clientSecret) {
		return fk.GenerateAccessToken401JSONResponse(unauthorizedBody("Invalid or missing credentials.")), nil
	}
	token := "mk_tok_" + rand.Text()
	f.mu.Lock()
	f.tokens[token] = f.now().Add(f.tokenTTL)
	f.issued++
	f.mu.Unlock()
	return fk.GenerateAccessToken201JSONResponse{AccessToken: token, TokenType: fk.TokenResponseTokenTypeBearer, ExpiresIn: int(f.tokenTTL / time.Second)}, nil
}
