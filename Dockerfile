# Build a static binary, then ship it alone on a minimal non-root image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/schema-registry ./cmd/schema-registry

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/schema-registry /schema-registry
USER nonroot:nonroot
WORKDIR /var/lib/schema-registry
ENV SCHEMA_REGISTRY_DATA_DIR=/var/lib/schema-registry/data
EXPOSE 8081
ENTRYPOINT ["/schema-registry"]
