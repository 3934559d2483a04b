# One image for web (gunicorn), worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY --from=assets /app/node_modules ./node_modules
COPY . .
RUN mkdir -p var/webroot var/anchors \
    && cp -r node_modules/govuk-frontend/dist/govuk/assets var/webroot/assets \
    && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && useradd --system --home /app joinedup && chown -R joinedup /app/var
USER joinedup
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
