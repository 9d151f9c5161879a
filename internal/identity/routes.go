package identity

import "github.com/danielgtaylor/huma/v2"

// Routes registers the identity API operations on api.
func (svc *Service) Routes(api huma.API) {
	svc.authRoutes(api)
	svc.orgRoutes(api)
	svc.oidcRoutes(api)
	svc.localeRoutes(api)
}
