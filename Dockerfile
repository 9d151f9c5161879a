# Static, non-root image. The web bundle is committed and embedded, so the
# build needs only Go.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/securenexus ./cmd/securenexus

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/securenexus /securenexus
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/securenexus"]
CMD ["serve"]
