# The AppOS image and container, for people who type `make`. Settings: docker/.env.
COMPOSE := docker compose -f docker/docker-compose.yml
VOLUME ?= appos_data

.PHONY: build image start stop logs verify

# apposd's dist/ (TypeScript build).
build:
	npm ci --no-audit --no-fund
	npm run build

# The image (docker/Dockerfile: apposd, redis, PocketBase, the backend, on Alpine).
image:
	$(COMPOSE) build

# The data volume is external (down -v cannot delete it): create it once, then start.
start:
	docker volume inspect $(VOLUME) >/dev/null 2>&1 || docker volume create $(VOLUME)
	$(COMPOSE) up -d

stop:
	$(COMPOSE) stop

logs:
	$(COMPOSE) logs -f --tail=100

# Every check of docs/troubleshooting.md, in the running container; exit 1 when one fails.
verify:
	$(COMPOSE) exec appos appos-ctl doctor
