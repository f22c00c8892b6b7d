// Command idp is the identity provider of the interop suites: it serves a
// JWKS and a client-credentials token endpoint (internal/testidp), prints
// its URL on the first line of its output, and with -token mints a static
// token for a subject and its groups, printed on the second line.
//
//	go run ./test/interop/idp -client app:secret:writers,readers -token js-app:writers
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/schemaregistry/registry/internal/testidp"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, " ") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var clients list
	issuer := flag.String("issuer", "https://idp.interop.test", "iss of the tokens")
	audience := flag.String("audience", "schema-registry", "aud of the tokens")
	token := flag.String("token", "", "subject:group,group of a static token to print")
	flag.Var(&clients, "client", "id:secret:group,group of a client of the token endpoint (repeatable)")
	flag.Parse()
	idp := testidp.New(*issuer, *audience)
	for _, c := range clients {
		parts := strings.SplitN(c, ":", 3)
		if len(parts) != 3 {
			fmt.Fprintln(os.Stderr, "idp: -client wants id:secret:groups")
			os.Exit(2)
		}
		idp.AddClient(parts[0], testidp.Client{Secret: parts[1], Groups: strings.Split(parts[2], ",")})
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "idp:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", l.Addr())
	if *token != "" {
		sub, groups, _ := strings.Cut(*token, ":")
		fmt.Println(idp.Token("ec", testidp.Claims{Subject: sub, Groups: strings.Split(groups, ",")}))
	}
	os.Stdout.Sync()
	if err := http.Serve(l, idp.Handler()); err != nil {
		fmt.Fprintln(os.Stderr, "idp:", err)
		os.Exit(1)
	}
}
