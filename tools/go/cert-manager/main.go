// Command cert-manager-controller runs the cert-manager controllers the local stack needs (issuers, CA and
// self-signed issuance, the Certificate lifecycle and the ingress-shim) against a kubeconfig, built from the
// public API of the cert-manager root module. It replaces the upstream controller binary, which cannot be
// built from the module proxy (its cmd/controller module has no resolvable version).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"

	// Each blank import registers controllers (or issuer implementations) in their init functions.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The controllers started, by their registered names.
var controllers = []string{
	"issuers",
	"clusterissuers",
	"certificaterequests-approver",
	"certificaterequests-issuer-ca",
	"certificaterequests-issuer-selfsigned",
	"certificates-trigger",
	"certificates-issuing",
	"certificates-key-manager",
	"certificates-request-manager",
	"certificates-readiness",
	"certificates-revision-manager",
	"ingress-shim",
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file of the cluster")
	resourceNS := flag.String("cluster-resource-namespace", "cert-manager", "namespace holding the Secrets of ClusterIssuers")
	workers := flag.Int("workers", 2, "workers per controller")
	flag.Parse()
	if err := run(*kubeconfig, *resourceNS, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "cert-manager-controller:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, resourceNS string, workers int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   50,
		KubernetesAPIBurst: 100,
		IssuerOptions:      controllerpkg.IssuerOptions{ClusterResourceNamespace: resourceNS},
		IngressShimOptions: controllerpkg.IngressShimOptions{DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"}},
		CertificateOptions: controllerpkg.CertificateOptions{CertificateRequestMinimumBackoffDuration: time.Second},
		SchedulerOptions:   controllerpkg.SchedulerOptions{MaxConcurrentChallenges: 10},
	})
	if err != nil {
		return fmt.Errorf("building the controller context: %w", err)
	}
	var wg sync.WaitGroup
	for _, name := range controllers {
		construct, ok := controllerpkg.Known()[name]
		if !ok {
			return fmt.Errorf("controller %q is not registered", name)
		}
		c, err := construct(factory)
		if err != nil {
			return fmt.Errorf("creating controller %q: %w", name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(workers, ctx); err != nil {
				fmt.Fprintf(os.Stderr, "controller %s stopped: %v\n", name, err)
			}
		}()
	}
	// Informers are shared by all controllers; start them once every controller has registered its own.
	shared, err := factory.Build()
	if err != nil {
		return fmt.Errorf("building the shared context: %w", err)
	}
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	fmt.Println("cert-manager-controller: started", len(controllers), "controllers")
	<-ctx.Done()
	wg.Wait()
	return nil
}
