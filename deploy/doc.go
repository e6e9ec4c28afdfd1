// Package deploy holds no Go code: it is the home of the deployment files
// of the halcytone server, and of the tests that keep them honest.
//
//   - Dockerfile builds a static, non-root image of cmd/halcytone (build it
//     from the repository root: docker build -f deploy/Dockerfile .).
//   - compose.yaml runs it with PostgreSQL 16, Prometheus, Grafana and
//     Jaeger (docker compose -f deploy/compose.yaml up --build).
//   - prometheus/ holds the scrape configuration, the alert rules and
//     their promtool unit tests; grafana/ the dashboard and the Grafana
//     provisioning files.
//
// deploy_test.go checks that every metric named by the dashboard and the
// alert rules is one that telemetry.NewMetrics exports, and that the
// Dockerfile and compose file keep the properties the documentation
// promises.
package deploy
